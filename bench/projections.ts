// npm run bench -- projections [--events N] [--quick]
// Rebuilds every read model from a log of ~1,000,000 events in SQLite, batched
// (our runner: 5,000 events per transaction) against one transaction per event
// (the naive baseline, on a sample), and prints the ratio. Also the live
// projection lag (commit time − recorded time, per event) during a surge.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRoomCommands } from '../src/commands/index.ts';
import { createSqliteEventStore, createSqliteSnapshotStore, type EventStore } from '../src/eventstore/index.ts';
import { createReadModels } from '../src/projections/index.ts';
import { makeTempDir } from '../test/support/tempDir.ts';
import { env, ratio, report, rssMb } from './report.ts';

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** Fills the log through the command path: rooms of 1,000 seats, each with its crowd, live read models measuring lag. */
const fill = async (dir: string, store: EventStore, target: number): Promise<{ lags: number[] }> => {
  const snapshots = createSqliteSnapshotStore(join(dir, 'events.db'));
  const commands = createRoomCommands(store, snapshots);
  const lags: number[] = [];
  const live = createReadModels({
    store,
    path: join(dir, 'live.db'),
    onBatch: (events) => {
      const now = Date.now();
      for (const e of events) lags.push(now - e.recordedAt.getTime());
    },
  });
  live.start();
  const at = new Date().toISOString();
  let room = 0;
  while ((await store.headPosition()) < BigInt(target)) {
    const roomId = `room${room++}`;
    await commands.send({
      type: 'OpenRoom',
      data: { roomId, title: roomId, capacity: 1000, maxOverflowRooms: 1000 },
      metadata: { actor: 'mod', at },
    });
    let next = 0;
    const client = async () => {
      while (next < 20_000) {
        const i = next++;
        await commands.send({ type: 'JoinRoom', data: { roomId }, metadata: { actor: `u${i}`, at } });
      }
    };
    await Promise.all(Array.from({ length: 256 }, client));
  }
  await commands.close();
  await live.waitFor(await store.headPosition(), 600_000);
  await live.stop();
  await snapshots.close();
  return { lags };
};

const rebuild = async (store: EventStore, eventsFile: string, path: string, batchSize: number, limit?: number) => {
  const readModels = createReadModels({ store, path, batchSize, eventsFile });
  const started = performance.now();
  let applied = 0;
  if (limit === undefined) {
    await readModels.rebuildAll((p) => (applied = p.applied));
  } else {
    // The baseline: one transaction per event, over the first `limit` events.
    const events = await store.readAll({ maxCount: limit });
    const { applyBatch } = await import('../src/projections/runner.ts');
    const { openDocumentStore, roomsProjection, createCapacityPlanProjection, analyticsProjection } =
      await import('../src/projections/index.ts');
    const documents = openDocumentStore(`${path}-naive`);
    const targets = [roomsProjection, createCapacityPlanProjection(), analyticsProjection].map((projection) => ({
      projection,
      generation: 1n,
      checkpoint: -1n,
    }));
    for (const event of events) for (const target of targets) applyBatch(documents, target, [event]);
    applied = events.length;
    documents.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await readModels.stop();
  return { applied, rate: applied / seconds, rss: rssMb() };
};

export const run = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({ args, options: { events: { type: 'string' }, quick: { type: 'boolean' } } });
  const target = Number(values.events ?? (values.quick ? 100_000 : 1_000_000));
  const dir = makeTempDir('bench-projections');
  const store = createSqliteEventStore(join(dir.path, 'events.db'));
  try {
    report(`projections bench on ${env()}: filling the log to ${target} events through the command path…`);
    const { lags } = await fill(dir.path, store, target);
    const events = Number((await store.headPosition()) + 1n);
    lags.sort((a, b) => a - b);
    report(
      `live lag during the surge: p50=${percentile(lags, 0.5)}ms p99=${percentile(lags, 0.99)}ms (${lags.length} events)`,
    );
    const batched = await rebuild(store, join(dir.path, 'events.db'), join(dir.path, 'rebuild.db'), 5000);
    report(`rebuild: events=${batched.applied} rate=${Math.round(batched.rate)}/s rss=${batched.rss}MB`);
    const naive = await rebuild(
      store,
      join(dir.path, 'events.db'),
      join(dir.path, 'naive.db'),
      1,
      Math.min(events, 20_000),
    );
    report(
      `rebuild, one transaction per event (baseline, first ${naive.applied} events): rate=${Math.round(naive.rate)}/s`,
    );
    report(`rebuild ratio batched/naive: ${ratio(batched.rate, naive.rate)}`);
  } finally {
    await store.close();
    dir.remove();
  }
};
