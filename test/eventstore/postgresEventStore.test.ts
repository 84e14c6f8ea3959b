import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createPostgresEventStore,
  openPostgresEventStore,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type RecordedEvent,
} from '../../src/eventstore/index.ts';
import { eventStoreContract } from '../contracts/eventStore.contract.ts';
import { logSchema, migrate } from '../../src/eventstore/postgres/schema.ts';
import { freshSchema, POSTGRES_URL } from '../support/postgres.ts';
import { raceProcesses } from './fixtures/race.ts';

const schema = freshSchema('contract');
afterAll(() => schema.drop());

eventStoreContract('PostgreSQL', async () => {
  const store = createPostgresEventStore(POSTGRES_URL, { schema: schema.name });
  return { store, dispose: () => store.close() };
});

/** Pushes the events of `stream` a subscription delivers into `seen`, up to `count`. */
const follow = async (
  store: EventStore,
  from: bigint,
  stream: string,
  count: number,
  seen: RecordedEvent[] = [],
): Promise<RecordedEvent[]> => {
  for await (const e of store.subscribeToAll({ fromPosition: from })) {
    if (e.streamId !== stream) continue;
    seen.push(e);
    if (seen.length === count) break;
  }
  return seen;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh schema that says it was written at event-store schema `version`, and a client on the server. */
const schemaAtVersion = async (label: string, version: number) => {
  const made = freshSchema(label);
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${made.name}"`);
  await admin.query(`CREATE TABLE "${made.name}".schema_version (version int NOT NULL)`);
  await admin.query(`INSERT INTO "${made.name}".schema_version VALUES (${version})`);
  return {
    name: made.name,
    admin,
    async drop() {
      await admin.end();
      await made.drop();
    },
  };
};

/** The log's append functions in a schema, by name, with their argument counts. */
const appendFunctions = async (admin: pg.Client, schemaName: string) =>
  (
    await admin.query<{ proname: string; pronargs: number }>(
      `SELECT p.proname, p.pronargs FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = $1 AND p.proname LIKE 'append%' ORDER BY p.proname`,
      [schemaName],
    )
  ).rows;

/** The `events` column's compression setting ('l' lz4, '' the server's default). */
const eventsCompression = async (admin: pg.Client, schemaName: string) =>
  (
    await admin.query<{ attcompression: string }>(
      `SELECT a.attcompression FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = 'commits' AND a.attname = 'events'`,
      [schemaName],
    )
  ).rows;

/** A log at this Spillway's schema version: both append functions, version 3. */
const expectCurrentLog = async (admin: pg.Client, schemaName: string) => {
  expect(await appendFunctions(admin, schemaName)).toEqual([
    { proname: 'append_events', pronargs: 5 },
    { proname: 'append_one', pronargs: 4 },
  ]);
  expect((await admin.query(`SELECT version FROM "${schemaName}".schema_version`)).rows).toEqual([{ version: 3 }]);
};

describe('PostgreSQL event store: one log across connections and processes', () => {
  const stores: EventStore[] = [];
  const open = (options: Parameters<typeof createPostgresEventStore>[1] = {}): EventStore => {
    const store = createPostgresEventStore(POSTGRES_URL, { schema: schema.name, ...options });
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('two overlapping transactions, the second waiting while the first is open: every subscriber gets both, in order', async () => {
    const writer = open();
    const stream = `room-${randomUUID()}`;
    await writer.appendToStream(`warm-${randomUUID()}`, [{ type: 'Warm', data: {} }]);
    const from = (await writer.headPosition()) + 1n;
    // Three subscribers on three pools: two woken by NOTIFY, one polling only.
    const subscribers = [open(), open(), open({ listen: false, pollIntervalMs: 30 })];
    const got: RecordedEvent[][] = subscribers.map(() => []);
    const seen = subscribers.map((s, i) => follow(s, from, stream, 2, got[i]));
    const until = async (done: () => boolean | Promise<boolean>): Promise<void> => {
      for (let i = 0; i < 500 && !(await done()); i += 1) await sleep(20);
    };

    const first = new pg.Client({ connectionString: POSTGRES_URL });
    const second = new pg.Client({ connectionString: POSTGRES_URL });
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await Promise.all([first.connect(), second.connect(), admin.connect()]);
    const append = (client: pg.Client, type: string) =>
      client.query<{ last_position: string }>(
        `SELECT * FROM "${schema.name}".append_events(ARRAY[1], ARRAY[$1], ARRAY['any'], ARRAY[1], ARRAY[$2])`,
        [stream, JSON.stringify([{ eventId: randomUUID(), type, data: {}, metadata: {} }])],
      );
    try {
      const secondPid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await first.query('BEGIN');
      await append(first, 'First');
      await second.query('BEGIN');
      let secondReturned = false;
      const secondAppend = append(second, 'Second').then((result) => {
        secondReturned = true;
        return result;
      });
      // Both transactions are open; the second waits for the first's append lock.
      const waitingOnLock = async () =>
        (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [secondPid]))
          .rowCount === 1;
      await until(waitingOnLock);
      expect(await waitingOnLock()).toBe(true);
      await sleep(150);
      expect(secondReturned).toBe(false);
      expect(got.map((events) => events.length)).toEqual([0, 0, 0]);

      await first.query('COMMIT');
      const secondPosition = BigInt((await secondAppend).rows[0]!.last_position);
      await until(() => got.every((events) => events.length === 1));
      await sleep(150);
      // The first is committed and delivered; the second is written but not yet committed.
      expect(got.map((events) => events.map((e) => e.type))).toEqual([['First'], ['First'], ['First']]);
      await second.query('COMMIT');

      for (const events of await Promise.all(seen)) {
        expect(events.map((e) => e.type)).toEqual(['First', 'Second']);
        expect(events[1]!.position).toBe(events[0]!.position + 1n);
        expect(events[1]!.position).toBe(secondPosition);
      }
    } finally {
      await Promise.all([first.end(), second.end(), admin.end()]);
    }
  });

  it('wakes a subscription on NOTIFY from another pool, long before its poll would', async () => {
    const writer = open();
    const reader = open({ pollIntervalMs: 60_000 });
    const stream = `room-${randomUUID()}`;
    const from = (await writer.headPosition()) + 1n;
    const seen = follow(reader, from, stream, 3);
    await sleep(300);
    for (let i = 0; i < 3; i += 1) await writer.appendToStream(stream, [{ type: 'N', data: { i } }]);
    const events = await Promise.race([seen, sleep(20_000).then(() => 'no NOTIFY' as const)]);
    expect(events).not.toBe('no NOTIFY');
    expect((events as RecordedEvent[]).map((e) => e.data)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
  });

  it('announces a run of appends in at most one NOTIFY per interval, the last carrying the final head', async () => {
    const intervalMs = 40;
    const writer = open({ announceIntervalMs: intervalMs });
    const stream = `room-${randomUUID()}`;
    const listener = new pg.Client({ connectionString: POSTGRES_URL });
    await listener.connect();
    const heads: bigint[] = [];
    listener.on('notification', (message) => heads.push(BigInt(message.payload!)));
    try {
      await listener.query(`LISTEN "${logSchema(schema.name).channel}"`);
      const started = performance.now();
      let last = -1n;
      for (let i = 0; i < 100; i += 1) {
        last = (await writer.appendToStream(stream, [{ type: 'N', data: { i } }])).position;
      }
      const elapsed = performance.now() - started;
      // The trailing NOTIFY goes once the interval after the one before it is over.
      for (let i = 0; i < 100 && heads.at(-1) !== last; i += 1) await sleep(20);
      expect(heads.at(-1)).toBe(last);
      // One at once, then at most one an interval: the bound holds however fast the appends were.
      expect(heads.length).toBeLessThanOrEqual(Math.ceil(elapsed / intervalMs) + 2);
      expect(heads.length).toBeLessThan(100);
      expect([...heads].sort((a, b) => (a < b ? -1 : 1))).toEqual(heads);
    } finally {
      await listener.end();
    }
  });

  it('concurrent appends share commits, and each keeps its own answer: conflicts refuse only their own append', async () => {
    const store = open();
    const streams = Array.from({ length: 200 }, () => `room-${randomUUID()}`);
    await store.appendToStream(streams[0]!, [{ type: 'RoomOpened', data: {} }]);
    const outcomes = await Promise.allSettled(
      streams.map((stream, i) =>
        i % 10 === 0
          ? store.appendToStream(stream, [{ type: 'Stale', data: { i } }], { expectedRevision: 7n })
          : store.appendToStreams([
              { streamId: stream, events: [{ type: 'A', data: { i } }], expectedRevision: 'no_stream' },
              { streamId: stream, events: [{ type: 'B', data: { i } }], expectedRevision: 0n },
            ]),
      ),
    );
    outcomes.forEach((outcome, i) => {
      if (i % 10 === 0) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(((outcome as PromiseRejectedResult).reason as WrongExpectedRevisionError).actual).toBe(
          i === 0 ? 0n : 'none',
        );
      } else {
        expect(outcome.status).toBe('fulfilled');
        const results = (outcome as PromiseFulfilledResult<AppendResult[]>).value;
        expect(results.map((r) => r.nextExpectedRevision)).toEqual([0n, 1n]);
      }
    });
    for (const [i, stream] of streams.entries()) {
      if (i % 10 === 0) continue;
      expect((await store.readStream(stream)).map((e) => [e.type, e.data])).toEqual([
        ['A', { i }],
        ['B', { i }],
      ]);
    }
    // recorded_at is now(), the transaction's start: one value per commit.
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ commits: string; events: string }>(
        `SELECT count(DISTINCT recorded_at) AS commits, sum(count) AS events FROM "${schema.name}".commits WHERE stream_id = ANY($1)`,
        [streams.slice(1)],
      );
      expect(Number(rows[0]!.events)).toBe(360);
      expect(Number(rows[0]!.commits)).toBeLessThan(180);
    } finally {
      await admin.end();
    }
  });

  it('appendToStreams is one transaction: a failing revision check on a later stream writes none of them', async () => {
    const store = open();
    const a = `room-${randomUUID()}`;
    const b = `room-${randomUUID()}`;
    await store.appendToStream(a, [{ type: 'RoomOpened', data: {} }]);
    const head = await store.headPosition();
    await expect(
      store.appendToStreams([
        { streamId: b, events: [{ type: 'RoomOpened', data: {} }] },
        { streamId: a, events: [{ type: 'X', data: {} }], expectedRevision: 5n },
      ]),
    ).rejects.toThrow(new RegExp(`${a}.*revision 5.*revision 0`));
    await expect(store.readStream(b)).rejects.toThrow(/does not exist/);
    expect(await store.headPosition()).toBe(head);
  });

  it('reads from inside a write: a batch is one row, and any position, revision and count reads exactly its events', async () => {
    const store = open();
    const stream = `room-${randomUUID()}`;
    const from = (await store.headPosition()) + 1n;
    // Writes of 1, 3, 5 and 2 events: rows of different sizes, read from every point in them.
    for (const [w, n] of [1, 3, 5, 2].entries()) {
      await store.appendToStream(
        stream,
        Array.from({ length: n }, (_, i) => ({
          type: `W${w}`,
          data: { w, i, text: 'a "quoted" \\ back\nslash é 😀' },
        })),
      );
    }
    const all = await store.readStream(stream);
    expect(all.map((e) => e.revision)).toEqual(Array.from({ length: 11 }, (_, i) => BigInt(i)));
    expect(all.map((e) => e.position)).toEqual(Array.from({ length: 11 }, (_, i) => from + BigInt(i)));
    expect(all[4]!.data).toEqual({ w: 2, i: 0, text: 'a "quoted" \\ back\nslash é 😀' });
    const ids = new Set(all.map((e) => e.eventId));
    expect(ids.size).toBe(11);
    for (let start = 0; start <= 11; start += 1) {
      for (const count of [1, 2, 4, 7, 20]) {
        const forwards = all.slice(start, start + count);
        expect(await store.readStream(stream, { from: BigInt(start), maxCount: count })).toEqual(forwards);
        const backwards = all
          .slice(0, start + 1)
          .slice(-count)
          .reverse();
        expect(
          await store.readStream(stream, { from: BigInt(start), maxCount: count, direction: 'backwards' }),
        ).toEqual(backwards);
        expect(await store.readAll({ fromPosition: from + BigInt(start), maxCount: count })).toEqual(forwards);
      }
    }
    // One row per write, its events packed with lz4 (this server has it).
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const rows = await admin.query(
        `SELECT count, pg_column_compression(events) AS packed FROM "${schema.name}".commits WHERE stream_id = $1 ORDER BY position`,
        [stream],
      );
      expect(rows.rows.map((r: { count: number }) => r.count)).toEqual([1, 3, 5, 2]);
      expect(await eventsCompression(admin, schema.name)).toEqual([{ attcompression: 'l' }]);
    } finally {
      await admin.end();
    }
    expect(await store.readStream(stream, { from: 3n })).toEqual(all.slice(3));
    expect(await store.readStream(stream, { direction: 'backwards' })).toEqual([...all].reverse());
    expect(await store.readAll({ fromPosition: from + 6n })).toEqual(all.slice(6));
  });

  it('upgrades a version 1 log in place: every event kept where it was, and appends go on after them', async () => {
    const old = await schemaAtVersion('v1', 1);
    const { admin } = old;
    try {
      await admin.query(`CREATE TABLE "${old.name}".events (
          position bigint PRIMARY KEY, stream_id text NOT NULL, revision bigint NOT NULL, event_id uuid NOT NULL,
          type text NOT NULL, data text NOT NULL, metadata text NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, revision))`);
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      await admin.query(
        `INSERT INTO "${old.name}".events VALUES
           (0, 'room-a', 0, $1, 'RoomOpened', '{"title":"kept \\"as\\" written"}', '{"actor":"mod"}', '2026-11-30T10:00:00Z'),
           (1, 'room-b', 0, $2, 'RoomOpened', '{}', '{}', '2026-11-30T10:00:01Z'),
           (2, 'room-a', 1, $3, 'ListenerAdmitted', '{"userId":"u1"}', '{}', '2026-11-30T10:00:02Z')`,
        ids,
      );
      await admin.query(`CREATE FUNCTION "${old.name}".append_events(int[], text[], text[], int[], uuid[], text[], text[], text[])
          RETURNS TABLE (next_revision bigint, last_position bigint, conflict text) LANGUAGE sql AS 'SELECT 0::bigint, 0::bigint, NULL::text'`);
      const store = createPostgresEventStore(POSTGRES_URL, { schema: old.name });
      try {
        expect(await store.appendToStream('room-a', [{ type: 'X', data: {} }], { expectedRevision: 1n })).toEqual({
          nextExpectedRevision: 2n,
          position: 3n,
        });
        const events = await store.readAll();
        expect(events.map((e) => [e.position, e.streamId, e.revision, e.type, e.data, e.metadata])).toEqual([
          [0n, 'room-a', 0n, 'RoomOpened', { title: 'kept "as" written' }, { actor: 'mod' }],
          [1n, 'room-b', 0n, 'RoomOpened', {}, {}],
          [2n, 'room-a', 1n, 'ListenerAdmitted', { userId: 'u1' }, {}],
          [3n, 'room-a', 2n, 'X', {}, expect.any(Object)],
        ]);
        expect(events.slice(0, 3).map((e) => e.eventId)).toEqual(ids);
        expect(events[0]!.recordedAt.toISOString()).toBe('2026-11-30T10:00:00.000Z');
      } finally {
        await store.close();
      }
      const tables = await admin.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [old.name],
      );
      expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual(['commits', 'schema_version']);
      await expectCurrentLog(admin, old.name);
    } finally {
      await old.drop();
    }
  });

  it('keeps the default compression (pglz) on a server that refuses lz4, and the log works the same', async () => {
    const made = freshSchema('pglz');
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    // A server built without lz4 refuses the ALTER, which aborts the migration's transaction unless it is
    // caught in a savepoint. This server has lz4, so the ALTER names a method no server has: a real refusal.
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    const connect = pool.connect.bind(pool);
    const refusing = async () => {
      const client = await connect();
      const query = client.query.bind(client) as (text: string) => Promise<unknown>;
      (client as unknown as { query: (text: string) => Promise<unknown> }).query = (text) =>
        query(text.replace('SET COMPRESSION lz4', 'SET COMPRESSION lz4_not_built'));
      return client;
    };
    try {
      await migrate(Object.assign(pool, { connect: refusing }), logSchema(made.name));
      // '' is the column's default: the server's default_toast_compression (pglz here).
      expect(await eventsCompression(admin, made.name)).toEqual([{ attcompression: '' }]);
      await expectCurrentLog(admin, made.name);
      const store = createPostgresEventStore(POSTGRES_URL, { schema: made.name });
      try {
        const big = 'x'.repeat(10_000);
        await store.appendToStream('room-a', [
          { type: 'A', data: { big } },
          { type: 'B', data: {} },
        ]);
        expect((await store.readStream('room-a')).map((e) => [e.type, e.data])).toEqual([
          ['A', { big }],
          ['B', {}],
        ]);
        const packed = await admin.query(`SELECT pg_column_compression(events) AS how FROM "${made.name}".commits`);
        expect(packed.rows).toEqual([{ how: 'pglz' }]);
      } finally {
        await store.close();
      }
    } finally {
      await pool.end();
      await admin.end();
      await made.drop();
    }
  });

  it('upgrades a version 2 log by adding append_one: lone writes and gathered ones answer alike', async () => {
    const made = freshSchema('v2');
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const first = createPostgresEventStore(POSTGRES_URL, { schema: made.name });
      await first.appendToStream('room-a', [{ type: 'A', data: { n: 0 } }]);
      await first.close();
      // What version 2 left: the same table, append_events only.
      await admin.query(`DROP FUNCTION "${made.name}".append_one(text, text, int, text)`);
      await admin.query(`UPDATE "${made.name}".schema_version SET version = 2`);
      const store = createPostgresEventStore(POSTGRES_URL, { schema: made.name });
      try {
        // A lone write (append_one), then a wrong one refused with the actual revision, writing nothing.
        expect(await store.appendToStream('room-a', [{ type: 'B', data: {} }], { expectedRevision: 0n })).toEqual({
          nextExpectedRevision: 1n,
          position: 1n,
        });
        const refused = await store
          .appendToStream('room-a', [{ type: 'C', data: {} }], { expectedRevision: 0n })
          .catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(WrongExpectedRevisionError);
        expect((refused as WrongExpectedRevisionError).actual).toBe(1n);
        await expect(
          store.appendToStream('room-b', [{ type: 'D', data: {} }], { expectedRevision: 'stream_exists' }),
        ).rejects.toThrow(WrongExpectedRevisionError);
        // Two writes in one call (append_events) go on from the same head.
        expect(
          await store.appendToStreams([
            { streamId: 'room-a', events: [{ type: 'E', data: {} }], expectedRevision: 1n },
            {
              streamId: 'room-b',
              events: [
                { type: 'F', data: {} },
                { type: 'G', data: {} },
              ],
              expectedRevision: 'no_stream',
            },
          ]),
        ).toEqual([
          { nextExpectedRevision: 2n, position: 2n },
          { nextExpectedRevision: 1n, position: 4n },
        ]);
        expect((await store.readAll()).map((e) => [e.position, e.streamId, e.type])).toEqual([
          [0n, 'room-a', 'A'],
          [1n, 'room-a', 'B'],
          [2n, 'room-a', 'E'],
          [3n, 'room-b', 'F'],
          [4n, 'room-b', 'G'],
        ]);
      } finally {
        await store.close();
      }
      await expectCurrentLog(admin, made.name);
    } finally {
      await admin.end();
      await made.drop();
    }
  });

  it('three processes racing on one stream: exactly one append wins each revision, positions stay contiguous', async () => {
    const stream = `room-race-${randomUUID()}`;
    const { wins, losses } = await raceProcesses(schema.url, stream, 3, 100);
    expect(wins.length + losses).toBe(300);
    const store = open();
    const events = await store.readStream(stream);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
    expect([...wins].sort((x, y) => (x < y ? -1 : 1))).toEqual(events.map((e) => e.revision));
    const all = await store.readAll({ fromPosition: events[0]!.position });
    for (let i = 1; i < all.length; i += 1) expect(all[i]!.position).toBe(all[i - 1]!.position + 1n);
  });

  it('takes its schema from ?schema= and refuses a bad one', async () => {
    const store = openPostgresEventStore(schema.url);
    stores.push(store);
    const stream = `room-${randomUUID()}`;
    await store.appendToStream(stream, [{ type: 'A', data: {} }]);
    expect((await open().readStream(stream)).map((e) => e.type)).toEqual(['A']);
    expect(() => openPostgresEventStore(`${POSTGRES_URL}?schema=Bad-Name`)).toThrow(/schema "Bad-Name" must be/);
  });

  it('refuses a schema written by a newer Spillway, naming the versions', async () => {
    const other = await schemaAtVersion('newer', 99);
    try {
      const store = createPostgresEventStore(POSTGRES_URL, { schema: other.name });
      await expect(store.headPosition()).rejects.toThrow(/schema version 99.*upgrade Spillway/);
      await store.close();
    } finally {
      await other.drop();
    }
  });
});
