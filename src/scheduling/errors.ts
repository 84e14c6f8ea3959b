/** Another writer kept winning the race for a session's stream; nothing of this command was written. */
export class SessionConflictError extends Error {
  readonly code = 'CONFLICT';
  constructor(
    readonly sessionId: string,
    readonly attempts: number,
  ) {
    super(
      `Session ${sessionId} kept changing under this command (${attempts} attempts, another process writing to it); nothing was written: try again.`,
    );
  }
  override get name(): string {
    return 'SessionConflictError';
  }
}

/** A session stream holds an event this version of Spillway does not know. */
export class UnknownSessionEventError extends Error {
  readonly code = 'UNKNOWN_EVENT';
  constructor(
    readonly streamId: string,
    readonly type: string,
  ) {
    super(`Stream ${streamId} holds an event of type "${type}", which this Spillway does not know; upgrade it.`);
  }
  override get name(): string {
    return 'UnknownSessionEventError';
  }
}

/** The scheduler was asked to do something after `close()`. */
export class SchedulerClosedError extends Error {
  readonly code = 'UNAVAILABLE';
  constructor() {
    super('The session scheduler is closed and takes no more jobs.');
  }
  override get name(): string {
    return 'SchedulerClosedError';
  }
}
