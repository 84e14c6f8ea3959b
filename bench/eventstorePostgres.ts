// The PostgreSQL half of `npm run bench -- eventstore`: our PostgreSQL store
// against Emmett's (@event-driven-io/emmett-postgresql 0.42.0), same server,
// same run, each in a fresh schema dropped after.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createPostgresEventStore } from '../src/eventstore/index.ts';
import { payload, type Appender } from './appendWorkload.ts';
import { ratio, report } from './report.ts';

const URL_ = process.env.SPILLWAY_BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
/** Concurrent writers of single-event appends (API nodes' command turns, several rooms at once). */
const WRITERS = 32;
const PEER = fileURLToPath(new URL('./peers/emmett-postgresql/', import.meta.url));

interface EmmettPostgres {
  getPostgreSQLEventStore(
    connectionString: string,
    options?: { schema?: { autoMigration?: 'CreateOrUpdate' | 'None' } },
  ): { appendToStream(id: string, events: unknown[]): Promise<unknown>; close(): Promise<void> };
}

/** The peer lives in its own folder (its emmett core conflicts with the SQLite peer's); installed here when absent. */
const loadPeer = async (): Promise<EmmettPostgres> => {
  if (!existsSync(`${PEER}node_modules/@event-driven-io/emmett-postgresql`)) {
    report('installing the Emmett PostgreSQL peer (bench/peers/emmett-postgresql, npm ci)…');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: PEER, stdio: 'inherit' });
  }
  return (await import(pathToFileURL(`${PEER}index.js`).href)) as EmmettPostgres;
};

const admin = async <T>(body: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: URL_ });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
};

/**
 * `writers` concurrent loops of appends (`size` events each), each to its own
 * streams: what the append lock costs, and what group commit gains, when
 * several rooms append at once (API nodes' command turns).
 */
const concurrentAppends = async (
  append: Appender,
  writers: number,
  each: number,
  size: number,
  round: number,
): Promise<{ events: number; ms: number }> => {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < each; i += 1) {
        const events = Array.from({ length: size }, (_, e) => ({
          type: 'ListenerAdmitted',
          data: payload(i * size + e),
        }));
        await append(events, `room-c${size}-r${round}-w${w}-${i % 50}`);
      }
    }),
  );
  return { events: writers * each * size, ms: performance.now() - started };
};

/**
 * Both sides' concurrent appends in alternating rounds (ours, Emmett's, ours,
 * …), so that the machine's changing load falls on both alike: events/s each.
 */
const concurrentRounds = async (
  sides: Record<'ours' | 'emmett', Appender>,
  writers: number,
  each: number,
  size: number,
) => {
  const ROUNDS = 3;
  const spent = { ours: { events: 0, ms: 0 }, emmett: { events: 0, ms: 0 } };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const side of ['ours', 'emmett'] as const) {
      const r = await concurrentAppends(sides[side], writers, Math.ceil(each / ROUNDS), size, round);
      spent[side].events += r.events;
      spent[side].ms += r.ms;
    }
  }
  return {
    ours: spent.ours.events / (spent.ours.ms / 1000),
    emmett: spent.emmett.events / (spent.emmett.ms / 1000),
  };
};

type Store = { appendToStream(id: string, events: never[]): Promise<unknown>; close(): Promise<void> };
const appenderOf =
  (store: Store): Appender =>
  (events, stream) =>
    store.appendToStream(stream, events as never[]);

/**
 * The floor no durable store can pass one append at a time: a plain INSERT
 * (one row, or 100) committed alone, prepared once (a named statement, as
 * ours are): one round trip, one WAL flush, no parsing or planning.
 */
const floorAppender = async (schema: string): Promise<{ append: Appender; close(): Promise<void> }> => {
  const client = new pg.Client({ connectionString: URL_ });
  await client.connect();
  await client.query(`CREATE TABLE "${schema}".floor (id bigserial PRIMARY KEY, v text NOT NULL)`);
  return {
    append: (events) =>
      events.length === 1
        ? client.query({
            name: 'floor-one',
            text: `INSERT INTO "${schema}".floor (v) VALUES ($1)`,
            values: [JSON.stringify(events[0]!.data)],
          })
        : client.query({
            name: 'floor-many',
            text: `INSERT INTO "${schema}".floor (v) SELECT unnest($1::text[])`,
            values: [events.map((e) => JSON.stringify(e.data))],
          }),
    close: () => client.end(),
  };
};

/** Appends one side makes in a row before the next side's turn. */
const BLOCK = { single: 50, batched: 5 } as const;
/** Quiet between turns, so that what one side does after its last append (our NOTIFY) is over before the next is timed. */
const SETTLE_MS = 20;

/**
 * Single appends, then batches of 100, taken in turns of a block each: a
 * block of ours, one of Emmett's, one of floor INSERTs, and again, the order
 * rotated from block to block. This machine's load moves from second to
 * second (other work shares its two cores and its disk), so each side is
 * timed through the same moments rather than one after the other. Turns are
 * blocks with a pause between them, not single appends: taken append by
 * append, the NOTIFY our store sends after an append ran during the next
 * side's append, which billed our work to the peer and the floor.
 */
const interleaved = async (sides: Record<'ours' | 'emmett' | 'floor', Appender>, load: Load) => {
  const spent = {
    ours: { single: 0, batched: 0 },
    emmett: { single: 0, batched: 0 },
    floor: { single: 0, batched: 0 },
  };
  const names = ['ours', 'emmett', 'floor'] as const;
  const turns = async (
    kind: 'single' | 'batched',
    count: number,
    eventsOf: (i: number) => Parameters<Appender>[0],
    streamOf: (i: number) => string,
  ) => {
    for (let from = 0, block = 0; from < count; from += BLOCK[kind], block += 1) {
      for (let k = 0; k < names.length; k += 1) {
        const side = names[(block + k) % names.length]!;
        await sleep(SETTLE_MS);
        const started = performance.now();
        for (let i = from; i < Math.min(count, from + BLOCK[kind]); i += 1) await sides[side](eventsOf(i), streamOf(i));
        spent[side][kind] += performance.now() - started;
      }
    }
  };
  await turns(
    'single',
    load.singleAppends,
    (i) => [{ type: 'ListenerAdmitted', data: payload(i) }],
    (i) => `room-${i % 100}`,
  );
  await turns(
    'batched',
    load.batches,
    (b) => Array.from({ length: 100 }, (_, i) => ({ type: 'ListenerAdmitted', data: payload(b * 100 + i) })),
    (b) => `room-batch-${b % 100}`,
  );
  const perSecond = (count: number, ms: number) => count / (ms / 1000);
  const figures = (side: keyof typeof spent) => ({
    single: perSecond(load.singleAppends, spent[side].single),
    batched: perSecond(load.batches * 100, spent[side].batched),
  });
  return { ours: figures('ours'), emmett: figures('emmett'), floor: figures('floor') };
};

interface Load {
  singleAppends: number;
  batches: number;
  /** Appends per concurrent writer: single events, and batches of 100. */
  concurrentEach: number;
  concurrentBatches: number;
}

export const runPostgres = async (quick: boolean): Promise<void> => {
  const peer = await loadPeer();
  const suffix = randomBytes(4).toString('hex');
  const ours = `spillway_bench_${suffix}`;
  const theirs = `emmett_bench_${suffix}`;
  await admin((c) => c.query(`CREATE SCHEMA "${theirs}"`));
  const load: Load = quick
    ? { singleAppends: 200, batches: 20, concurrentEach: 21, concurrentBatches: 3 }
    : { singleAppends: 1500, batches: 150, concurrentEach: 150, concurrentBatches: 15 };
  const oursStore = createPostgresEventStore(URL_, { schema: ours });
  // Emmett's tables are unqualified: point its connections' search_path at the bench schema.
  const emmettStore = peer.getPostgreSQLEventStore(
    `${URL_}?options=${encodeURIComponent(`-c search_path=${theirs}`)}`,
    { schema: { autoMigration: 'CreateOrUpdate' } },
  );
  const floor = await floorAppender(theirs);
  try {
    const server = await admin(
      async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version,
    );
    report(
      `PostgreSQL ${server} on 127.0.0.1 (fsync on, synchronous_commit on); ours, Emmett's and a plain INSERT taken in turns of ${BLOCK.single} appends (${BLOCK.batched} batches), the order rotated, ${SETTLE_MS} ms quiet between turns`,
    );
    // Each side's schema and connections made before anything is timed.
    await appenderOf(oursStore)([{ type: 'Warm', data: payload(0) }], 'warm');
    await appenderOf(emmettStore)([{ type: 'Warm', data: payload(0) }], 'warm');
    const o = await interleaved(
      { ours: appenderOf(oursStore), emmett: appenderOf(emmettStore), floor: floor.append },
      load,
    );
    const sides = { ours: appenderOf(oursStore), emmett: appenderOf(emmettStore) };
    const single32 = await concurrentRounds(sides, WRITERS, load.concurrentEach, 1);
    const batch32 = await concurrentRounds(sides, WRITERS, load.concurrentBatches, 100);
    report(
      `pg ours   single-event appends: ${o.ours.single.toFixed(0)}/s (${load.singleAppends} appends, one at a time)`,
    );
    report(`pg ours   batches of 100:       ${o.ours.batched.toFixed(0)} events/s (${load.batches * 100} events)`);
    report(
      `pg ours   ${WRITERS} concurrent writers: ${single32.ours.toFixed(0)} single appends/s, ${batch32.ours.toFixed(0)} events/s in batches of 100 (group commit under the append lock)`,
    );
    report(`pg emmett single-event appends: ${o.emmett.single.toFixed(0)}/s (${load.singleAppends} appends)`);
    report(`pg emmett batches of 100:       ${o.emmett.batched.toFixed(0)} events/s (${load.batches * 100} events)`);
    report(
      `pg emmett ${WRITERS} concurrent writers: ${single32.emmett.toFixed(0)} single appends/s, ${batch32.emmett.toFixed(0)} events/s in batches of 100`,
    );
    report(
      `pg floor  a plain prepared INSERT committed alone: ${o.floor.single.toFixed(0)}/s one row, ${o.floor.batched.toFixed(0)} rows/s 100 at a time (no durable store passes it one append at a time)`,
    );
    const share = (x: number, of: number) => `${((100 * x) / of).toFixed(0)} %`;
    report(
      `share of the floor: ours single ${share(o.ours.single, o.floor.single)}, batch ${share(o.ours.batched, o.floor.batched)}; emmett single ${share(o.emmett.single, o.floor.single)}, batch ${share(o.emmett.batched, o.floor.batched)}`,
    );
    report(`ratio pg single ours/emmett: ${ratio(o.ours.single, o.emmett.single)}`);
    report(`ratio pg batch100 ours/emmett: ${ratio(o.ours.batched, o.emmett.batched)}`);
    report(`ratio pg concurrent${WRITERS} single ours/emmett: ${ratio(single32.ours, single32.emmett)}`);
    report(`ratio pg concurrent${WRITERS} batch100 ours/emmett: ${ratio(batch32.ours, batch32.emmett)}`);
  } finally {
    await Promise.allSettled([oursStore.close(), emmettStore.close(), floor.close()]);
    await admin((c) => c.query(`DROP SCHEMA IF EXISTS "${ours}" CASCADE; DROP SCHEMA IF EXISTS "${theirs}" CASCADE`));
  }
};
