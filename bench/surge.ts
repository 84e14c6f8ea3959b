// npm run bench -- surge [--listeners N] [--clients N] [--quick] [--prewarm-joins N] [--prewarm-connections N]
//   [--prewarm-media cluster|embedded|both] [--prewarm-only]
// 100,000 distinct listeners join one headliner room (cap 5,000) through the
// command path on the SQLite file store, in-process: once through the mailbox
// (group commit), once with batching off. Prints a line each and the ratio.
// Then the prewarm pass (surgePrewarm.ts): the first 20,000 joins over HTTP
// with media, without and with prewarm, and the ratios: with media on a
// media-node process (cluster, where joins wait for media seats), then with
// embedded media (where they never do); `--prewarm-media` picks one.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRoomCommands } from '../src/commands/index.ts';
import { replay, roomStreamId } from '../src/domain/index.ts';
import { createSqliteEventStore, createSqliteSnapshotStore } from '../src/eventstore/index.ts';
import { toRoomEvent } from '../test/support/roomStreams.ts';
import { makeTempDir } from '../test/support/tempDir.ts';
import { env, report, rssMb } from './report.ts';
import { runPrewarmPass } from './surgePrewarm.ts';

interface SurgeResult {
  admitted: number;
  rooms: number;
  overcap: number;
  rate: number;
  p50: number;
  p99: number;
  rss: number;
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

const surge = async (listeners: number, clients: number, capacity: number, batched: boolean): Promise<SurgeResult> => {
  const dir = makeTempDir('bench-surge');
  const file = join(dir.path, 'spillway.db');
  const store = createSqliteEventStore(file);
  const snapshots = createSqliteSnapshotStore(file);
  const commands = createRoomCommands(store, snapshots, { maxBatch: batched ? 1000 : 1 });
  try {
    const at = new Date().toISOString();
    await commands.send({
      type: 'OpenRoom',
      data: { roomId: 'headliner', title: 'Headliner', capacity, maxOverflowRooms: 1000 },
      metadata: { actor: 'mod', at },
    });
    const latencies = new Float64Array(listeners);
    let next = 0;
    let admitted = 0;
    const started = performance.now();
    // Each client joins one listener after another, as fast as it is answered.
    const client = async (): Promise<void> => {
      while (next < listeners) {
        const i = next++;
        const sent = performance.now();
        await commands.send({
          type: 'JoinRoom',
          data: { roomId: 'headliner' },
          metadata: { actor: `listener-${i}`, at },
        });
        latencies[i] = performance.now() - sent;
        admitted += 1;
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    const seconds = (performance.now() - started) / 1000;
    const rss = rssMb();
    await commands.close();

    // Caps are checked on the log, not on what the writer believes.
    const family = replay((await store.readStream(roomStreamId('headliner'))).map(toRoomEvent));
    const { seats, settings } = family.snapshot.context;
    let overcap = Math.max(0, seats.listeners - settings.capacity);
    for (const [roomId, room] of seats.overflow) {
      const own = replay((await store.readStream(roomStreamId(roomId))).map(toRoomEvent));
      overcap +=
        Math.max(0, room.listeners - room.capacity) + Math.max(0, own.snapshot.context.seats.listeners - room.capacity);
    }
    latencies.sort();
    return {
      admitted,
      rooms: 1 + seats.overflow.size,
      overcap,
      rate: admitted / seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      rss,
    };
  } finally {
    await snapshots.close();
    await store.close();
    dir.remove();
  }
};

const line = (name: string, r: SurgeResult): string =>
  `surge ${name}: admitted=${r.admitted} rooms=${r.rooms} overcap=${r.overcap} rate=${Math.round(r.rate)}/s p50=${r.p50.toFixed(1)}ms p99=${r.p99.toFixed(1)}ms rss=${r.rss}MB`;

export const run = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({
    args,
    options: {
      listeners: { type: 'string' },
      clients: { type: 'string' },
      capacity: { type: 'string' },
      quick: { type: 'boolean' },
      'prewarm-joins': { type: 'string' },
      'prewarm-connections': { type: 'string' },
      'prewarm-only': { type: 'boolean' },
      'prewarm-media': { type: 'string' },
    },
  });
  const prewarmJoins = Number(values['prewarm-joins'] ?? (values.quick ? 6000 : 20_000));
  // A headliner's crowd is wide: as many at once as the mailbox passes' 1,000 clients. At 256 a cold
  // family's seat rounds keep up with the crowd and prewarm shows little (docs/PERFORMANCE.md).
  const prewarmConnections = Number(values['prewarm-connections'] ?? 1000);
  const media = values['prewarm-media'] ?? 'both';
  if (media !== 'cluster' && media !== 'embedded' && media !== 'both') {
    process.stderr.write(`--prewarm-media "${media}" must be cluster, embedded or both.\n`);
    process.exit(2);
  }
  const prewarmPasses = async () => {
    for (const mode of ['cluster', 'embedded'] as const)
      if (media === 'both' || media === mode) await runPrewarmPass(prewarmJoins, prewarmConnections, report, mode);
  };
  const listeners = Number(values.listeners ?? (values.quick ? 10_000 : 100_000));
  const clients = Number(values.clients ?? 1000);
  const capacity = Number(values.capacity ?? 5000);
  if (values['prewarm-only']) {
    report(`surge bench on ${env()}`);
    return prewarmPasses();
  }
  report(
    `surge bench on ${env()}: ${listeners} listeners, ${clients} concurrent clients, cap ${capacity}, SQLite synchronous=FULL`,
  );
  const batched = await surge(listeners, clients, capacity, true);
  report(line('batched', batched));
  const unbatched = await surge(listeners, clients, capacity, false);
  report(line('unbatched', unbatched));
  report(`surge ratio: ${(batched.rate / unbatched.rate).toFixed(1)}`);
  await prewarmPasses();
};
