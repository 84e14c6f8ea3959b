// npm run bench -- eventstore [--quick] [--postgres-only]
// Our SQLite event store against Emmett's SQLite event store, same workloads
// in one run: single-event appends, batches of 100, and reading the log; then
// our PostgreSQL store against Emmett's PostgreSQL store (eventstorePostgres.ts).
import { join } from 'node:path';
import { getSQLiteEventStore, readMessagesBatch, sqliteConnection } from '@event-driven-io/emmett-sqlite';
import { createSqliteEventStore } from '../src/eventstore/index.ts';
import { makeTempDir } from '../test/support/tempDir.ts';
import { measureAppends, payload, rate, type Appender, type Workload } from './appendWorkload.ts';
import { runPostgres } from './eventstorePostgres.ts';
import { env, ratio, report } from './report.ts';

const ours = async (dir: string, w: Workload) => {
  const store = createSqliteEventStore(join(dir, 'ours.db'));
  const { single, batched } = await measureAppends((events, stream) => store.appendToStream(stream, events), w);
  await store.close();

  const readStore = createSqliteEventStore(join(dir, 'ours-read.db'));
  await fill(w.readEvents, (events, stream) => readStore.appendToStream(stream, events));
  const started = performance.now();
  let read = 0;
  for (let from = 0n; ;) {
    const page = await readStore.readAll({ fromPosition: from, maxCount: 10_000 });
    if (page.length === 0) break;
    read += page.length;
    from = page.at(-1)!.position + 1n;
  }
  const readAll = rate(read, started);
  await readStore.close();
  return { single, batched, readAll, read };
};

const emmett = async (dir: string, w: Workload) => {
  const fileName = join(dir, 'emmett.db');
  const store = getSQLiteEventStore({ fileName, schema: { autoMigration: 'CreateOrUpdate' } });
  const { single, batched } = await measureAppends((events, stream) => store.appendToStream(stream, events), w);

  const readFile = join(dir, 'emmett-read.db');
  const readStore = getSQLiteEventStore({ fileName: readFile, schema: { autoMigration: 'CreateOrUpdate' } });
  await fill(w.readEvents, (events, stream) => readStore.appendToStream(stream, events));
  const connection = sqliteConnection({ fileName: readFile });
  const started = performance.now();
  let read = 0;
  for (let after = -1n; ;) {
    const batch = await readMessagesBatch(connection, { after, batchSize: 10_000 });
    read += batch.messages.length;
    if (!batch.areEventsLeft || batch.messages.length === 0) break;
    after = batch.currentGlobalPosition;
  }
  const readAll = rate(read, started);
  connection.close();
  return { single, batched, readAll, read };
};

/** Writes `count` events in batches of 1,000 (setup for the read benchmark, not timed). */
const fill = async (count: number, append: Appender): Promise<void> => {
  for (let written = 0; written < count; written += 1000) {
    const size = Math.min(1000, count - written);
    const events = Array.from({ length: size }, (_, i) => ({ type: 'ListenerAdmitted', data: payload(written + i) }));
    await append(events, `room-${(written / 1000) % 500}`);
  }
};

export const run = async (args: string[]): Promise<void> => {
  const quick = args.includes('--quick');
  if (args.includes('--postgres-only')) {
    report(`eventstore bench on ${env()}`);
    return runPostgres(quick);
  }
  const dir = makeTempDir('bench-es');
  try {
    const oursLoad: Workload = quick
      ? { singleAppends: 500, batches: 100, readEvents: 50_000 }
      : { singleAppends: 3000, batches: 1000, readEvents: 1_000_000 };
    // Emmett's appends are two orders of magnitude slower here, so it gets a
    // smaller count of the same workload; every figure is a rate.
    const emmettLoad: Workload = quick
      ? { singleAppends: 100, batches: 10, readEvents: 20_000 }
      : { singleAppends: 500, batches: 50, readEvents: 100_000 };
    report(`eventstore bench on ${env()}`);
    const a = await ours(dir.path, oursLoad);
    report(
      `ours   single-event appends: ${a.single.toFixed(0)}/s (${oursLoad.singleAppends} appends, synchronous=FULL)`,
    );
    report(`ours   batches of 100:       ${a.batched.toFixed(0)} events/s (${oursLoad.batches * 100} events)`);
    report(`ours   readAll:              ${a.readAll.toFixed(0)} events/s (${a.read} events)`);
    const b = await emmett(dir.path, emmettLoad);
    report(`emmett single-event appends: ${b.single.toFixed(0)}/s (${emmettLoad.singleAppends} appends)`);
    report(`emmett batches of 100:       ${b.batched.toFixed(0)} events/s (${emmettLoad.batches * 100} events)`);
    report(`emmett readMessagesBatch:    ${b.readAll.toFixed(0)} events/s (${b.read} events)`);
    report(`ratio single ours/emmett: ${ratio(a.single, b.single)}`);
    report(`ratio batch100 ours/emmett: ${ratio(a.batched, b.batched)}`);
    report(`ratio readAll ours/emmett: ${ratio(a.readAll, b.readAll)}`);
  } finally {
    dir.remove();
  }
  await runPostgres(quick);
};
