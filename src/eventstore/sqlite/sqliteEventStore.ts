import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  EventStoreClosedError,
  EventStoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../errors.ts';
import { createPollingSubscription, waitForWake } from '../pollingSubscription.ts';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Subscription,
  StreamWrite,
  SubscribeToAllOptions,
} from '../types.ts';
import {
  assertMaxCount,
  assertPosition,
  assertReadStreamOptions,
  assertStreamId,
  DEFAULT_MAX_EVENT_BYTES,
  appendThroughStreams,
  checkWrites,
  type SerialisedEvent,
} from '../validation.ts';
import { COLUMNS, toRecordedEvent, type EventRow } from './rows.ts';
import { migrate } from './schema.ts';

export interface SqliteEventStoreOptions {
  /** Largest serialised event (data + metadata) accepted, in bytes. Default 1 MiB. */
  readonly maxEventBytes?: number;
  /** How often a subscription at the head looks for appends made by other processes. Default 50 ms. */
  readonly pollIntervalMs?: number;
  /** Events a subscription reads per page while catching up. Default 512. */
  readonly pageSize?: number;
  /** How long a writer waits for another process's write lock before failing. Default 10 s. */
  readonly busyTimeoutMs?: number;
}

const checkExpected = (streamId: string, expected: ExpectedRevision, actual: bigint | undefined): void => {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === undefined) ||
    (expected === 'stream_exists' && actual !== undefined) ||
    (typeof expected === 'bigint' && actual === expected);
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual ?? 'none');
};

const isBusy = (error: unknown): boolean =>
  error instanceof Error && 'code' in error && (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED');

/**
 * The embedded event store: one SQLite file in WAL mode with
 * `synchronous=FULL`, so an append is on disk before it is acknowledged. A
 * batch is one `BEGIN IMMEDIATE` transaction; the unique (stream, revision)
 * key keeps revisions exact even across processes sharing the file.
 */
export const createSqliteEventStore = (path: string, options: SqliteEventStoreOptions = {}): EventStore => {
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const pollIntervalMs = options.pollIntervalMs ?? 50;
  const pageSize = options.pageSize ?? 512;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.defaultSafeIntegers(true);
  migrate(db);

  const lastRevision = db.prepare<[string], { revision: bigint }>(
    'SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
  );
  const head = db.prepare<[], { position: bigint | null }>('SELECT MAX(position) AS position FROM events');
  const insert = db.prepare(
    'INSERT INTO events (position, stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const readForwards = db
    .prepare<[string, bigint, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
    )
    .raw(true);
  const readBackwards = db
    .prepare<[string, bigint, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    )
    .raw(true);
  const readFromPosition = db
    .prepare<[bigint, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE position >= ? ORDER BY position ASC LIMIT ?`,
    )
    .raw(true);

  const appendOne = (
    streamId: string,
    expected: ExpectedRevision,
    batch: SerialisedEvent[],
    recordedAt: number,
  ): AppendResult => {
    const actual = lastRevision.get(streamId)?.revision;
    checkExpected(streamId, expected, actual);
    let revision = actual ?? -1n;
    let position = head.get()?.position ?? -1n;
    for (const event of batch) {
      revision += 1n;
      position += 1n;
      insert.run(position, streamId, revision, event.eventId, event.type, event.data, event.metadata, recordedAt);
    }
    return { nextExpectedRevision: revision, position };
  };
  const append = db.transaction(appendOne);
  const appendMany = db.transaction(
    (writes: Array<{ streamId: string; expected: ExpectedRevision; batch: SerialisedEvent[] }>, recordedAt: number) =>
      writes.map((w) => appendOne(w.streamId, w.expected, w.batch, recordedAt)),
  );

  let closed = false;
  let inProcessHead = -1n;
  const waiters = new Set<() => void>();
  const subscriptions = new Set<Subscription>();

  const assertOpen = (): void => {
    if (closed) throw new EventStoreClosedError();
  };

  const readPage = (fromPosition: bigint, maxCount: number): RecordedEvent[] =>
    closed ? [] : readFromPosition.all(fromPosition, maxCount).map(toRecordedEvent);

  const waitForAppend = async (after: bigint, stop: AbortSignal): Promise<void> => {
    if (inProcessHead >= after || stop.aborted || closed) return;
    await waitForWake(waiters, pollIntervalMs, stop);
  };

  const store: EventStore = {
    appendToStream: (streamId, events, appendOptions) =>
      appendThroughStreams((writes) => store.appendToStreams(writes))(streamId, events, appendOptions),

    async appendToStreams(writes: readonly StreamWrite[]) {
      assertOpen();
      const checked = checkWrites(writes, maxEventBytes);
      let results: AppendResult[];
      try {
        results =
          checked.length === 1
            ? [append.immediate(checked[0]!.streamId, checked[0]!.expected, checked[0]!.batch, Date.now())]
            : appendMany.immediate(checked, Date.now());
      } catch (error) {
        if (isBusy(error)) {
          throw new EventStoreUnavailableError(
            'The SQLite event store stayed locked by another writer past busyTimeoutMs; nothing was written.',
            { cause: error },
          );
        }
        if (error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
          // Another connection took this revision between our check and insert; not possible
          // under BEGIN IMMEDIATE, but the unique key is the guarantee, so report it as what it is.
          const first = checked[0]!;
          throw new WrongExpectedRevisionError(
            first.streamId,
            first.expected,
            lastRevision.get(first.streamId)?.revision ?? 'none',
          );
        }
        throw error;
      }
      for (const result of results) if (result.position > inProcessHead) inProcessHead = result.position;
      for (const wake of [...waiters]) wake();
      return results;
    },

    async readStream(streamId: string, readOptions: ReadStreamOptions = {}) {
      assertOpen();
      assertStreamId(streamId);
      assertReadStreamOptions(readOptions);
      const limit = readOptions.maxCount ?? -1;
      const rows =
        readOptions.direction === 'backwards'
          ? readBackwards.all(streamId, readOptions.from ?? BigInt(Number.MAX_SAFE_INTEGER), limit)
          : readForwards.all(streamId, readOptions.from ?? 0n, limit);
      if (rows.length === 0 && lastRevision.get(streamId) === undefined) {
        throw new StreamNotFoundError(streamId);
      }
      return rows.map(toRecordedEvent);
    },

    async readAll(readOptions: ReadAllOptions = {}) {
      assertOpen();
      assertMaxCount(readOptions.maxCount);
      const from = assertPosition(readOptions.fromPosition);
      return readPage(from, readOptions.maxCount ?? -1);
    },

    async headPosition() {
      assertOpen();
      return head.get()?.position ?? -1n;
    },

    subscribeToAll(subscribeOptions: SubscribeToAllOptions = {}) {
      assertOpen();
      const from = assertPosition(subscribeOptions.fromPosition);
      const subscription = createPollingSubscription({ readPage, waitForAppend }, from, pageSize, () =>
        subscriptions.delete(subscription),
      );
      subscriptions.add(subscription);
      return subscription;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const subscription of [...subscriptions]) subscription.close();
      for (const wake of [...waiters]) wake();
      db.close();
    },
  };
  return store;
};
