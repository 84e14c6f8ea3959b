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
