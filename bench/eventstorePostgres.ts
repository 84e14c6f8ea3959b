// The PostgreSQL half of `npm run bench -- eventstore`: our PostgreSQL store
// against Emmett's (@event-driven-io/emmett-postgresql 0.42.0), same server,
// same run, each in a fresh schema dropped after.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { createPostgresEventStore } from '../src/eventstore/index.ts';
import { measureAppends, payload, rate, type Appender } from './appendWorkload.ts';
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

/** `writers` concurrent loops of single appends, each to its own streams: what the append lock costs. */
const concurrentSingles = async (append: Appender, writers: number, each: number): Promise<number> => {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < each; i += 1) {
        await append([{ type: 'ListenerAdmitted', data: payload(i) }], `room-c${w}-${i % 50}`);
      }
    }),
  );
  return rate(writers * each, started);
};

interface Figures {
  single: number;
  batched: number;
  concurrent: number;
}

/** Every workload through one store's append, then the store closed. */
const measure = async (
  store: { appendToStream(id: string, events: never[]): Promise<unknown>; close(): Promise<void> },
  load: Load,
): Promise<Figures> => {
  try {
    const append: Appender = (events, stream) => store.appendToStream(stream, events as never[]);
    const { single, batched } = await measureAppends(append, { ...load, readEvents: 0 });
    return { single, batched, concurrent: await concurrentSingles(append, WRITERS, load.concurrentEach) };
  } finally {
    await store.close();
  }
};

const oursOnce = (schema: string, load: Load): Promise<Figures> =>
  measure(createPostgresEventStore(URL_, { schema }), load);

// Emmett's tables are unqualified: point its connections' search_path at the bench schema.
const emmettOnce = (peer: EmmettPostgres, schema: string, load: Load): Promise<Figures> =>
  measure(
    peer.getPostgreSQLEventStore(`${URL_}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, {
      schema: { autoMigration: 'CreateOrUpdate' },
    }),
    load,
  );

interface Load {
  singleAppends: number;
  batches: number;
  concurrentEach: number;
}

const best = (runs: Figures[]): Figures => ({
  single: Math.max(...runs.map((r) => r.single)),
  batched: Math.max(...runs.map((r) => r.batched)),
  concurrent: Math.max(...runs.map((r) => r.concurrent)),
});

export const runPostgres = async (quick: boolean): Promise<void> => {
  const peer = await loadPeer();
  const suffix = randomBytes(4).toString('hex');
  const ours = `spillway_bench_${suffix}`;
  const theirs = `emmett_bench_${suffix}`;
  await admin((c) => c.query(`CREATE SCHEMA "${theirs}"`));
  const oursLoad: Load = quick
    ? { singleAppends: 300, batches: 30, concurrentEach: 50 }
    : { singleAppends: 3000, batches: 300, concurrentEach: 300 };
  const emmettLoad: Load = quick
    ? { singleAppends: 100, batches: 10, concurrentEach: 20 }
    : { singleAppends: 1000, batches: 100, concurrentEach: 100 };
  try {
    const server = await admin(
      async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version,
    );
    report(
      `PostgreSQL ${server} on 127.0.0.1 (fsync on, synchronous_commit on); two rounds each, alternating, best kept`,
    );
    const a: Figures[] = [];
    const b: Figures[] = [];
    for (let round = 0; round < 2; round += 1) {
      a.push(await oursOnce(ours, oursLoad));
      b.push(await emmettOnce(peer, theirs, emmettLoad));
    }
    const o = best(a);
    const e = best(b);
    report(
      `pg ours   single-event appends: ${o.single.toFixed(0)}/s (${oursLoad.singleAppends} appends, one at a time)`,
    );
    report(`pg ours   batches of 100:       ${o.batched.toFixed(0)} events/s (${oursLoad.batches * 100} events)`);
    report(
      `pg ours   ${WRITERS} concurrent writers: ${o.concurrent.toFixed(0)} single appends/s (group commit under the append lock)`,
    );
    report(`pg emmett single-event appends: ${e.single.toFixed(0)}/s (${emmettLoad.singleAppends} appends)`);
    report(`pg emmett batches of 100:       ${e.batched.toFixed(0)} events/s (${emmettLoad.batches * 100} events)`);
    report(`pg emmett ${WRITERS} concurrent writers: ${e.concurrent.toFixed(0)} single appends/s`);
    report(`ratio pg single ours/emmett: ${ratio(o.single, e.single)}`);
    report(`ratio pg batch100 ours/emmett: ${ratio(o.batched, e.batched)}`);
    report(`ratio pg concurrent${WRITERS} ours/emmett: ${ratio(o.concurrent, e.concurrent)}`);
  } finally {
    await admin((c) => c.query(`DROP SCHEMA IF EXISTS "${ours}" CASCADE; DROP SCHEMA IF EXISTS "${theirs}" CASCADE`));
  }
};
