import type { ExpectedRevision } from './types.ts';

/** Base of every error the event store throws on purpose. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  override get name(): string {
    return this.constructor.name;
  }
}

export const describeRevision = (revision: ExpectedRevision | bigint | 'none'): string =>
  typeof revision === 'bigint' ? `revision ${revision}` : revision;

export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, or `'none'` when it does not exist. */
    readonly actual: bigint | 'none',
  ) {
    super(
      `Stream "${streamId}" was expected at ${describeRevision(expected)} but is at ${describeRevision(actual)}; another writer got there first: reload it and decide again.`,
    );
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'STREAM_NOT_FOUND';
  constructor(readonly streamId: string) {
    super(`Stream "${streamId}" does not exist: nothing has been appended to it.`);
  }
}

export class InvalidEventError extends EventStoreError {
  readonly code = 'INVALID_EVENT';
  constructor(
    /** Index of the offending event in the batch, when there is one. */
    readonly index: number | undefined,
    reason: string,
  ) {
    super(index === undefined ? reason : `Event #${index} of the batch: ${reason}`);
  }
}

export class EventStoreClosedError extends EventStoreError {
  readonly code = 'EVENT_STORE_CLOSED';
  constructor() {
    super('The event store is closed; open a new one to read or write.');
  }
}

/** The store's backend failed in a way that is not the caller's doing (disk, network, server). */
export class EventStoreUnavailableError extends EventStoreError {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
