/** This node does not own the family (any more): the sender asks the leases again and goes there. */
export class NotOwnerError extends Error {
  readonly code = 'NOT_OWNER';
  constructor(
    readonly family: string,
    /** The node holding the family's lease now, as this node last saw it. */
    readonly owner: string,
  ) {
    super(`This node does not own room family ${family} (node ${owner} does); send the command there.`);
  }
  override get name(): string {
    return 'NotOwnerError';
  }
}

/** The owner did not answer in time (it may have died): the command may or may not have been decided. */
export class OwnerUnreachableError extends Error {
  readonly code = 'OWNER_UNREACHABLE';
  constructor(
    readonly address: string,
    reason: string,
  ) {
    super(`The node owning this room family (${address}) did not answer: ${reason}.`);
  }
  override get name(): string {
    return 'OwnerUnreachableError';
  }
}

/** No node could decide the command in time: its owner is gone and its lease has not run out yet, or the lease database is away. */
export class FamilyUnavailableError extends Error {
  readonly code = 'UNAVAILABLE';
  constructor(readonly family: string) {
    super(
      `No node could take room family ${family} just now (its owner stopped answering and its lease has not yet run out); nothing was decided: try again in a few seconds.`,
    );
  }
  override get name(): string {
    return 'FamilyUnavailableError';
  }
}
