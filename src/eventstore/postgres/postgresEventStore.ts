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
import { createAppendBatcher, type AppendRow } from './appendBatcher.ts';
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
  /** Wake subscriptions on NOTIFY. Default true; false leaves only polling. */
  readonly listen?: boolean;
  /** Events a subscription reads per page while catching up. Default 512. */
  readonly pageSize?: number;
}

const COLUMNS =
  'position, stream_id, revision, event_id, type, data, metadata, (extract(epoch FROM recorded_at) * 1000)::int8';
type EventRow = [string, string, string, string, string, string, string, string];

const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  eventId: row[3],
  streamId: row[1],
  type: row[4],
  data: JSON.parse(row[5]) as unknown,
  metadata: JSON.parse(row[6]) as Record<string, unknown>,
  revision: BigInt(row[2]),
  position: BigInt(row[0]),
  recordedAt: new Date(Number(row[7])),
});

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
 * An append is one call of the schema's `append_events` function: one round
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
    listen: options.listen ?? true,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    fallbackPollIntervalMs,
  });

  const q = schema.quoted;
  const appendSql = `SELECT next_revision, last_position, conflict FROM ${q}.append_events($1, $2, $3, $4, $5, $6, $7, $8)`;
  const readFromPosition = `SELECT ${COLUMNS} FROM ${q}.events WHERE position >= $1 ORDER BY position ASC LIMIT $2`;

  const sendUnits = async (values: unknown[]): Promise<AppendRow[]> => {
    await whenReady();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw translateAway(error, where, 'nothing');
    }
    let broken: Error | undefined;
    try {
      return (await client.query<AppendRow>({ name: 'append', text: appendSql, values, rowMode: 'array' })).rows;
    } catch (error) {
      const translated = translateAway(error, where, 'unknown');
      if (translated instanceof EventStoreUnavailableError) broken = translated;
      throw translated;
    } finally {
      client.release(broken);
    }
  };
  const batcher = createAppendBatcher(sendUnits, { onHead: (position) => heads.noteHead(position) });

  const readPage = async (fromPosition: bigint, maxCount: number | null): Promise<RecordedEvent[]> =>
    ((await run(readFromPosition, [fromPosition.toString(), maxCount], 'read-all')) as EventRow[]).map(toRecordedEvent);

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
      const rows = (
        readOptions.direction === 'backwards'
          ? await run(
              `SELECT ${COLUMNS} FROM ${q}.events WHERE stream_id = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`,
              [streamId, (readOptions.from ?? BigInt(Number.MAX_SAFE_INTEGER)).toString(), limit],
              'read-back',
            )
          : await run(
              `SELECT ${COLUMNS} FROM ${q}.events WHERE stream_id = $1 AND revision >= $2 ORDER BY revision ASC LIMIT $3`,
              [streamId, (readOptions.from ?? 0n).toString(), limit],
              'read-fwd',
            )
      ) as EventRow[];
      if (rows.length === 0) {
        const exists = await run(`SELECT 1 FROM ${q}.events WHERE stream_id = $1 LIMIT 1`, [streamId], 'exists');
        if (exists.length === 0) throw new StreamNotFoundError(streamId);
      }
      return rows.map(toRecordedEvent);
    },

    async readAll(readOptions: ReadAllOptions = {}) {
      assertOpen();
      assertMaxCount(readOptions.maxCount);
      return readPage(assertPosition(readOptions.fromPosition), readOptions.maxCount ?? null);
    },

    async headPosition() {
      const rows = await run(`SELECT position FROM ${q}.events ORDER BY position DESC LIMIT 1`, [], 'head');
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
