// npm run bench -- cluster [--quick] [--joins N] [--repeat N]
// A surge for one room family through 1, 2 and 3 `spillway serve` processes on
// one PostgreSQL log (a fresh schema each), joins spread evenly over the
// nodes: joins/s, p50/p99, conflicts surfaced, and joins per CPU-second of
// the nodes and the load generator together (they share the machine's cores).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openPostgresEventStore } from '../src/eventstore/index.ts';
import { signToken } from '../src/runtime/index.ts';
import { postGraphQL, TEST_SECRET } from '../test/support/apiServer.ts';
import { familyInLog, joinSurge, listenerTokens } from '../test/support/joinSurge.ts';
import { freshSchema } from '../test/support/postgres.ts';
import { startServeProcess, type ServeProcess } from '../test/support/serveProcess.ts';
import { serverNamespace } from '../test/support/serverNamespace.ts';
import { makeTempDir } from '../test/support/tempDir.ts';
import { env, ratio, report } from './report.ts';

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds a process has used (user + system), from /proc. */
const cpuOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
};
const ownCpu = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

interface Run {
  nodes: number;
  joins: number;
  rate: number;
  p50: number;
  p99: number;
  conflicts: number;
  errors: number;
  /** Error codes the clients got, with counts. */
  codes: string;
  overCap: number;
  perCpuSecond: number;
  /** CPU seconds of the nodes and the load generator, and wall seconds, during the surge. */
  cpu: number;
  /** CPU seconds of the nodes alone, each (the owner first: it opened the family). */
  nodeCpu: number[];
  seconds: number;
}

const sum = (xs: readonly number[]): number => xs.reduce((n, x) => n + x, 0);

const countCodes = (codes: string[]): string => {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, n]) => `${code} ${n}`).join(', ');
};

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** `toOwnerOnly`: every join goes to the node that owns the family, so nothing is forwarded. */
const surgeThrough = async (count: number, joins: number, toOwnerOnly = false): Promise<Run> => {
  const schema = freshSchema('bench_cluster');
  const dir = makeTempDir('bench-cluster');
  const nodes: ServeProcess[] = [];
  const store = openPostgresEventStore(schema.url);
  const namespace = serverNamespace('bench-cluster');
  try {
    const envFor: NodeJS.ProcessEnv = {
      ...process.env,
      SPILLWAY_EVENTS_URL: schema.url,
      SPILLWAY_JWT_SECRET: TEST_SECRET,
      SPILLWAY_MEDIA: 'off',
      ...namespace.env,
    };
    for (const unset of ['REDIS_URL', 'SPILLWAY_DATA', 'SPILLWAY_EVENTS', 'EVENTSTORE_URL']) delete envFor[unset];
    for (let i = 0; i < count; i += 1) {
      nodes.push(await startServeProcess(['--port', '0', '--data', join(dir.path, `node-${i}`)], envFor));
    }
    // A family this big needs a producer (listeners may open only small rooms).
    const moderator = await signToken(TEST_SECRET, 'moderator', ['producer']);
    const opened = await postGraphQL<{ openRoom: { id: string } }>(
      nodes[0]!.url,
      'mutation { openRoom(input: { title: "bench", capacity: 5000, maxOverflowRooms: 1000 }) { id } }',
      { token: moderator },
    );
    const roomId = opened.data?.openRoom?.id;
    if (!roomId) throw new Error(`openRoom was refused: ${JSON.stringify(opened.errors)}`);
    const users = await listenerTokens(`bench-${count}`, joins);
    const nodesBefore = nodes.map((n) => cpuOf(n.pid));
    const ownBefore = ownCpu();
    const started = performance.now();
    const urls = toOwnerOnly ? [nodes[0]!.url] : nodes.map((n) => n.url);
    const replies = await joinSurge({ urls: () => urls, roomId, users, concurrency: 128 });
    const seconds = (performance.now() - started) / 1000;
    const nodeCpu = nodes.map((n, i) => cpuOf(n.pid) - nodesBefore[i]!);
    const cpu = sum(nodeCpu) + ownCpu() - ownBefore;
    const latencies = replies.map((r) => r.endedAt - r.startedAt).sort((a, b) => a - b);
    const family = await familyInLog(store, roomId);
    let overCap = family.placedTwice.length;
    for (const [room, n] of family.listeners)
      if (n > family.capacity.get(room)!) overCap += n - family.capacity.get(room)!;
    const ok = replies.filter((r) => !r.error).length;
    return {
      nodes: count,
      joins: ok,
      rate: ok / seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      conflicts: replies.filter((r) => r.error === 'CONFLICT').length,
      errors: replies.length - ok,
      codes: countCodes(replies.flatMap((r) => (r.error ? [r.error] : []))),
      overCap,
      perCpuSecond: ok / cpu,
      cpu,
      nodeCpu,
      seconds,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await namespace.remove();
    await store.close();
    await schema.drop();
    dir.remove();
  }
};

export const run = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({
    args,
    options: { quick: { type: 'boolean' }, joins: { type: 'string' }, repeat: { type: 'string' } },
  });
  const joins = Number(values.joins ?? (values.quick ? 3000 : 20_000));
  report(
    `cluster bench on ${env()}; PostgreSQL log on 127.0.0.1; ${joins} joins, 128 clients, spread evenly over the nodes`,
  );
  report('CPU counts the API nodes and this load generator, not the PostgreSQL server (shared with other work)');
  // One run of each moves by ±15 % from one minute to the next here (the same 1-node surge measured 981
  // and 1127 joins/CPU-s ten minutes apart), so the set is run `repeat` times in turns and compared on sums.
  const repeat = Number(values.repeat ?? (values.quick ? 1 : 3));
  const configs = [
    { name: '1 node ', count: 1, toOwner: false },
    { name: '2 nodes', count: 2, toOwner: false },
    { name: '3 nodes', count: 3, toOwner: false },
    // The same two nodes, every join sent to the owner: the second node only follows the log,
    // so what this loses against one node is the second node's read models, not forwarding.
    { name: '2 nodes, every join to the owner (nothing forwarded)', count: 2, toOwner: true },
  ] as const;
  const runs = configs.map(() => [] as Run[]);
  for (let round = 1; round <= repeat; round += 1) {
    for (const [i, config] of configs.entries()) {
      const r = await surgeThrough(config.count, joins, config.toOwner);
      runs[i]!.push(r);
      report(
        `${config.name}${repeat > 1 ? ` (round ${round})` : ''}: ${r.rate.toFixed(0)} joins/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, ` +
          `conflicts surfaced ${r.conflicts}, other errors ${r.errors - r.conflicts}${r.codes ? ` (${r.codes})` : ''}, over cap ${r.overCap}, ${r.perCpuSecond.toFixed(0)} joins/CPU-s ` +
          `(CPU-s: nodes ${r.nodeCpu.map((c) => c.toFixed(2)).join(' + ')}, load generator ${(r.cpu - sum(r.nodeCpu)).toFixed(2)})`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summed = runs.map((rs) => {
    const ok = rs.reduce((n, r) => n + r.joins, 0);
    return {
      rate: ok / rs.reduce((n, r) => n + r.seconds, 0),
      perCpuSecond: ok / rs.reduce((n, r) => n + r.cpu, 0),
      perNodeCpuSecond: ok / rs.reduce((n, r) => n + sum(r.nodeCpu), 0),
      p99: median(rs.map((r) => r.p99)),
      conflicts: rs.reduce((n, r) => n + r.conflicts, 0),
      overCap: rs.reduce((n, r) => n + r.overCap, 0),
    };
  });
  const [one, two, three, direct] = summed as [
    (typeof summed)[0],
    (typeof summed)[0],
    (typeof summed)[0],
    (typeof summed)[0],
  ];
  if (repeat > 1) {
    for (const [i, config] of configs.entries()) {
      const t = summed[i]!;
      report(
        `${config.name}, ${repeat} rounds: ${t.rate.toFixed(0)} joins/s, median p99 ${t.p99.toFixed(0)} ms, conflicts surfaced ${t.conflicts}, over cap ${t.overCap}, ${t.perCpuSecond.toFixed(0)} joins/CPU-s`,
      );
    }
  }
  report(
    `ratio joins/CPU-s 2 nodes spread vs 2 nodes to the owner: ${(two.perCpuSecond / direct.perCpuSecond).toFixed(2)}x (the cost of forwarding itself)`,
  );
  report(
    `ratio joins/CPU-s 2 nodes vs 1: ${(two.perCpuSecond / one.perCpuSecond).toFixed(2)}x (goal ≥ 0.80x: forwarding costs < 20 %)`,
  );
  report(`ratio joins/CPU-s 3 nodes vs 1: ${ratio(three.perCpuSecond, one.perCpuSecond)}`);
  // The load generator spends about as much CPU as the nodes, and the same in every configuration,
  // so it pulls the ratios above towards 1: the nodes' own CPU shows what more nodes cost.
  report(
    `ratio joins per CPU-second of the nodes alone, 2 nodes vs 1: ${ratio(two.perNodeCpuSecond, one.perNodeCpuSecond)}; ` +
      `3 nodes vs 1: ${ratio(three.perNodeCpuSecond, one.perNodeCpuSecond)}; 2 nodes spread vs 2 nodes to the owner: ${ratio(two.perNodeCpuSecond, direct.perNodeCpuSecond)}`,
  );
  report(`ratio joins/s 2 nodes vs 1: ${ratio(two.rate, one.rate)}; 3 nodes vs 1: ${ratio(three.rate, one.rate)}`);
};
