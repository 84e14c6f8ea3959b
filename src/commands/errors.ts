/** Another writer kept winning the race for a stream; nothing of this command was written. */
export class ConcurrencyConflictError extends Error {
  readonly code = 'CONFLICT';
  constructor(
    /** What the stream holds: "Room", "Session". */
    readonly kind: string,
    readonly id: string,
    readonly attempts: number,
  ) {
    super(
      `${kind} ${id} kept changing under this command (${attempts} attempts, another process writing to it); nothing was written: try again.`,
    );
  }
  override get name(): string {
    return 'ConcurrencyConflictError';
  }
}

export class CommandPathClosedError extends Error {
  readonly code = 'UNAVAILABLE';
  constructor() {
    super('The command path is shutting down and takes no more commands.');
  }
  override get name(): string {
    return 'CommandPathClosedError';
  }
}

/** A stream holds an event this version of Spillway does not know. */
export class UnknownEventError extends Error {
  readonly code = 'UNKNOWN_EVENT';
  constructor(
    readonly streamId: string,
    readonly type: string,
  ) {
    super(`Stream ${streamId} holds an event of type "${type}", which this Spillway does not know; upgrade it.`);
  }
  override get name(): string {
    return 'UnknownEventError';
  }
}
