import pg from 'pg';
import { EventStoreClosedError, EventStoreUnavailableError, StreamNotFoundError } from '../errors.ts';
import { createPollingSubscription } from '../pollingSubscription.ts';
import type {
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamWrite,
  Subscription,
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
} from '../validation.ts';
import { createAppendBatcher, type AppendCall, type AppendRow } from './appendBatcher.ts';
import { createHeadWatch } from './headWatch.ts';
import { translateAway } from './pgErrors.ts';
import { assertSchemaName, logSchema, migrate } from './schema.ts';

export interface PostgresEventStoreOptions {
  /** The schema holding this log's table and append function (one log per schema). Default `spillway`. */
  readonly schema?: string;
  /** Largest serialised event (data + metadata) accepted, in bytes. Default 1 MiB. */
  readonly maxEventBytes?: number;
  /** Connections in this store's pool (one more is used to LISTEN while subscribed). Default 6. */
  readonly poolSize?: number;
  /**
   * How long to wait for a connection before failing with EventStoreUnavailableError.
   * A server that is down refuses at once; this bounds a host that does not answer,
   * and (pg counts both) waiting for a free connection of a busy pool. Default 10 s.
   */
  readonly connectTimeoutMs?: number;
  /** How often a subscription at the head polls while LISTEN works (a safety net), or always with `listen: false`. Default 1 s. */
  readonly pollIntervalMs?: number;
  /** How often it polls while the LISTEN connection is down. Default 100 ms. */
  readonly fallbackPollIntervalMs?: number;
  /**
   * Least time between two NOTIFYs of this store while it keeps appending: the heads reached meanwhile go
   * in the next one. Default 5 ms (the first append after a quiet spell is announced at once).
   */
  readonly announceIntervalMs?: number;
  /** Wake subscriptions on NOTIFY. Default true; false leaves only polling. */
  readonly listen?: boolean;
  /** Events a subscription reads per page while catching up. Default 512. */
  readonly pageSize?: number;
}

const COLUMNS = 'position, stream_id, revision, events, (extract(epoch FROM recorded_at) * 1000)::int8';
type CommitRow = [position: string, streamId: string, revision: string, events: string, recordedAt: string];
interface StoredEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
}

/** A write's row as its events, at consecutive positions and revisions. */
const eventsOf = (row: CommitRow): RecordedEvent[] => {
  const position = BigInt(row[0]);
  const revision = BigInt(row[2]);
  const recordedAt = Number(row[4]);
  return (JSON.parse(row[3]) as StoredEvent[]).map((e, i) => ({
    eventId: e.eventId,
    streamId: row[1],
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    revision: revision + BigInt(i),
    position: position + BigInt(i),
    recordedAt: new Date(recordedAt),
  }));
};

/** Where the server is, for error messages: host and database, never the password. */
const describeServer = (connectionString: string): string => {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the configured server';
  }
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The networked event store on PostgreSQL, through `pg` (node-postgres): it
 * is pure JavaScript (no native build), pools connections, speaks the
 * extended protocol with named prepared statements (an append is parsed and
 * planned once per connection) and exposes LISTEN/NOTIFY on a plain client;
 * `postgres` (porsager) is as quick but its pooled, tagged-template API hides
 * the one connection a LISTEN must keep.
 *
 * An append is one call of one of the schema's append functions
 * (`append_one` for a lone write, `append_events` for several): one round
 * trip, one transaction for every stream of the call, revisions checked under
 * the log's append lock (see schema.ts for why that lock makes the order one
 * no subscriber can skip). The factory returns at once; the schema is made on
 * first use, and every call fails with EventStoreUnavailableError while the
 * server is away and works again when it is back, with no restart.
 */
export const createPostgresEventStore = (
  connectionString: string,
  options: PostgresEventStoreOptions = {},
): EventStore => {
  const schema = logSchema(options.schema ?? 'spillway');
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const pageSize = options.pageSize ?? 512;
  const fallbackPollIntervalMs = options.fallbackPollIntervalMs ?? 100;
  const where = describeServer(connectionString);
  const connectionTimeoutMillis = options.connectTimeoutMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 6,
    connectionTimeoutMillis,
    keepAlive: true,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection the server closed is dropped by the pool; the next query makes a new one.
  pool.on('error', () => undefined);

  let closed = false;
  const subscriptions = new Set<Subscription>();
  const assertOpen = (): void => {
    if (closed) throw new EventStoreClosedError();
  };

  let ready: Promise<void> | undefined;
  const whenReady = (): Promise<void> =>
    (ready ??= migrate(pool, schema).catch((error: unknown) => {
      ready = undefined;
      throw translateAway(error, where, 'nothing');
    }));

  const run = async (text: string, values: unknown[], name?: string): Promise<unknown[][]> => {
    assertOpen();
    await whenReady();
    try {
      const result = await pool.query<unknown[]>({ text, values, rowMode: 'array', ...(name ? { name } : {}) });
      return result.rows;
    } catch (error) {
      throw translateAway(error, where, 'nothing');
    }
  };

  const heads = createHeadWatch({
    connectionString,
    announce: (channel, position) => pool.query('SELECT pg_notify($1, $2)', [channel, position.toString()]),
    channel: schema.channel,
    connectionTimeoutMillis,
    announceIntervalMs: options.announceIntervalMs ?? 5,
    listen: options.listen ?? true,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    fallbackPollIntervalMs,
  });

  const q = schema.quoted;
  const appendSql = {
    append_events: `SELECT next_revision, last_position, conflict FROM ${q}.append_events($1, $2, $3, $4, $5)`,
    append_one: `SELECT next_revision, last_position, conflict FROM ${q}.append_one($1, $2, $3, $4)`,
  } as const;
  // The row holding position $1 (a write's row starts at or before it), then the rows up to $1 + $2 - 1:
  // positions are contiguous, so that bound is exact and keeps the index scan short.
  const holding = `coalesce((SELECT c.position FROM ${q}.commits c WHERE c.position <= $1 ORDER BY c.position DESC LIMIT 1), 0)`;
  const readFromPosition = `SELECT ${COLUMNS} FROM ${q}.commits WHERE position >= ${holding} AND position < $1::int8 + $2::int8 ORDER BY position ASC`;
  const readToEnd = `SELECT ${COLUMNS} FROM ${q}.commits WHERE position >= ${holding} ORDER BY position ASC`;
  const streamHolding = `coalesce((SELECT c.revision FROM ${q}.commits c WHERE c.stream_id = $1 AND c.revision <= $2 ORDER BY c.revision DESC LIMIT 1), 0)`;
  const readStreamForwards = `SELECT ${COLUMNS} FROM ${q}.commits WHERE stream_id = $1 AND revision >= ${streamHolding} AND revision < $2::int8 + $3::int8 ORDER BY revision ASC`;
  const readStreamToEnd = `SELECT ${COLUMNS} FROM ${q}.commits WHERE stream_id = $1 AND revision >= ${streamHolding} ORDER BY revision ASC`;
  // Backwards from revision $2, $3 events: from the row holding $2 - $3 + 1 up to the one holding $2.
  const backHolding = `coalesce((SELECT c.revision FROM ${q}.commits c WHERE c.stream_id = $1 AND c.revision <= $2::int8 - $3::int8 + 1 ORDER BY c.revision DESC LIMIT 1), 0)`;
  const readStreamBackwards = `SELECT ${COLUMNS} FROM ${q}.commits WHERE stream_id = $1 AND revision >= ${backHolding} AND revision <= $2 ORDER BY revision DESC`;
  const readStreamBackwardsAll = `SELECT ${COLUMNS} FROM ${q}.commits WHERE stream_id = $1 AND revision <= $2 ORDER BY revision DESC`;

  const sendUnits = async ({ fn, values }: AppendCall): Promise<AppendRow[]> => {
    await whenReady();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw translateAway(error, where, 'nothing');
    }
    let broken: Error | undefined;
    try {
      return (await client.query<AppendRow>({ name: fn, text: appendSql[fn], values, rowMode: 'array' })).rows;
    } catch (error) {
      const translated = translateAway(error, where, 'unknown');
      if (translated instanceof EventStoreUnavailableError) broken = translated;
      throw translated;
    } finally {
      client.release(broken);
    }
  };
  const batcher = createAppendBatcher(sendUnits, { onHead: (position) => heads.noteHead(position) });

  const readPage = async (fromPosition: bigint, maxCount: number | null): Promise<RecordedEvent[]> => {
    const rows = (
      maxCount === null
        ? await run(readToEnd, [fromPosition.toString()], 'read-to-end')
        : await run(readFromPosition, [fromPosition.toString(), maxCount], 'read-all')
    ) as CommitRow[];
    const events: RecordedEvent[] = [];
    for (const row of rows) {
      for (const event of eventsOf(row)) {
        if (event.position < fromPosition) continue;
        if (maxCount !== null && events.length >= maxCount) return events;
        events.push(event);
      }
    }
    return events;
  };

  const store: EventStore = {
    appendToStream: (streamId, events, appendOptions) =>
      appendThroughStreams((writes) => store.appendToStreams(writes))(streamId, events, appendOptions),

    async appendToStreams(writes: readonly StreamWrite[]) {
      assertOpen();
      return batcher.append(checkWrites(writes, maxEventBytes));
    },

    async readStream(streamId: string, readOptions: ReadStreamOptions = {}) {
      assertOpen();
      assertStreamId(streamId);
      assertReadStreamOptions(readOptions);
      const limit = readOptions.maxCount ?? null;
      const backwards = readOptions.direction === 'backwards';
      const from = readOptions.from ?? (backwards ? BigInt(Number.MAX_SAFE_INTEGER) : 0n);
      const rows = (
        backwards
          ? limit === null
            ? await run(readStreamBackwardsAll, [streamId, from.toString()], 'read-back-all')
            : await run(readStreamBackwards, [streamId, from.toString(), limit], 'read-back')
          : limit === null
            ? await run(readStreamToEnd, [streamId, from.toString()], 'read-fwd-all')
            : await run(readStreamForwards, [streamId, from.toString(), limit], 'read-fwd')
      ) as CommitRow[];
      if (rows.length === 0) {
        const exists = await run(`SELECT 1 FROM ${q}.commits WHERE stream_id = $1 LIMIT 1`, [streamId], 'exists');
        if (exists.length === 0) throw new StreamNotFoundError(streamId);
      }
      const events: RecordedEvent[] = [];
      for (const row of rows) {
        const held = eventsOf(row);
        if (backwards) held.reverse();
        for (const event of held) {
          if (backwards ? event.revision > from : event.revision < from) continue;
          if (limit !== null && events.length >= limit) return events;
          events.push(event);
        }
      }
      return events;
    },

    async readAll(readOptions: ReadAllOptions = {}) {
      assertOpen();
      assertMaxCount(readOptions.maxCount);
      return readPage(assertPosition(readOptions.fromPosition), readOptions.maxCount ?? null);
    },

    async headPosition() {
      const rows = await run(`SELECT last_position FROM ${q}.commits ORDER BY position DESC LIMIT 1`, [], 'head');
      return rows[0] ? BigInt(rows[0][0] as string) : -1n;
    },

    subscribeToAll(subscribeOptions: SubscribeToAllOptions = {}) {
      assertOpen();
      const from = assertPosition(subscribeOptions.fromPosition);
      heads.start();
      // While the server is away a subscription waits and reads again: it
      // outlives an outage instead of ending its consumer's loop.
      const source = {
        readPage: async (fromPosition: bigint, maxCount: number): Promise<RecordedEvent[]> => {
          if (closed) return [];
          try {
            return await readPage(fromPosition, maxCount);
          } catch (error) {
            if (closed || error instanceof EventStoreClosedError) return [];
            if (!(error instanceof EventStoreUnavailableError)) throw error;
            await sleep(fallbackPollIntervalMs * 5);
            return [];
          }
        },
        waitForAppend: heads.waitFor,
      };
      const subscription = createPollingSubscription(source, from, pageSize, () => subscriptions.delete(subscription));
      subscriptions.add(subscription);
      return subscription;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const subscription of [...subscriptions]) subscription.close();
      await heads.close();
      await pool.end();
    },
  };
  return store;
};

/**
 * Splits a `postgresql://…?schema=NAME` URL (the form SPILLWAY_EVENTS_URL
 * takes) into the connection string `pg` understands and the log's schema.
 */
export const parsePostgresUrl = (url: string): { connectionString: string; schema: string } => {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'spillway';
  assertSchemaName(schema);
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
};

/** `createPostgresEventStore` from one URL, its schema in `?schema=` (default `spillway`). */
export const openPostgresEventStore = (
  url: string,
  options: Omit<PostgresEventStoreOptions, 'schema'> = {},
): EventStore => {
  const { connectionString, schema } = parsePostgresUrl(url);
  return createPostgresEventStore(connectionString, { ...options, schema });
};
