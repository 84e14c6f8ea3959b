// npm run bench -- waiting [--capacity C] [--queued N] [--connections K] [--quick]
// The waiting room (issue 17), over HTTP on a server of its own (SQLite log,
// no media): one room of capacity C (default 5,000) with no overflow rooms.
// C joins are placed, then N more (default 10,000) are queued: joins/s,
// p50/p99 and the server process's CPU per join of each phase, and the cost
// of a queued join against a placed one (and, queueing in two halves, whether
// that cost grows with the queue's length). Then the C placed listeners leave as
// fast as they are answered, and each leave admits the head of the queue:
// admissions/s, and whether admission order equals queue order (read back
// from the family's stream). The load is autocannon in its own process
// (joinLoad.ts), so process.cpuUsage() here is the server's alone.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SECRET, startBenchServer } from './benchServer.ts';
import { load, type LoadRequest, type LoadResult } from './joinLoad.ts';
import { env, ratio, report } from './report.ts';
import { admissionDisorder, latencies, positionDisagreement, quantile, readWaitingLine } from './waitingLine.ts';
import type { RunningServer } from '../src/runtime/index.ts';

interface Phase extends LoadResult {
  readonly count: number;
  /** The load's own run (autocannon's first request to its last answer), not the load process's start. */
  readonly loadMs: number;
  /** The server process's CPU (user + system) per request, in µs. */
  readonly cpuUs: number;
  readonly answers: Readonly<Record<string, number>>;
}

/** One load against the server; its CPU counted until the read models have caught up with what it wrote. */
const phase = async (server: RunningServer, request: LoadRequest): Promise<Phase> => {
  const cpu = process.cpuUsage();
  const result = await load(request);
  await server.engine.readModels.catchUp(120_000);
  const used = process.cpuUsage(cpu);
  const answers: Record<string, number> = {};
  for (const r of result.requests ?? []) answers[r.typename] = (answers[r.typename] ?? 0) + 1;
  const loadMs = (1000 * request.joins) / result.perSecond;
  return { ...result, count: request.joins, loadMs, cpuUs: (used.user + used.system) / request.joins, answers };
};

/** Two loads as one phase: counts and CPU added up, rates over both loads' own runs. */
const bothHalves = (a: Phase, b: Phase): Phase => {
  const count = a.count + b.count;
  const loadMs = a.loadMs + b.loadMs;
  const answers: Record<string, number> = { ...a.answers };
  for (const [k, n] of Object.entries(b.answers)) answers[k] = (answers[k] ?? 0) + n;
  return {
    ...a,
    count,
    loadMs,
    perSecond: (1000 * count) / loadMs,
    failed: a.failed + b.failed,
    firstFailure: a.firstFailure ?? b.firstFailure,
    requests: [...(a.requests ?? []), ...(b.requests ?? [])],
    cpuUs: (a.cpuUs * a.count + b.cpuUs * b.count) / count,
    answers,
  };
};

const line = (name: string, what: string, p: Phase): string => {
  const sorted = latencies(p.requests ?? []);
  const answers = Object.entries(p.answers)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
  return `waiting ${name}: ${what}=${p.count} failed=${p.failed} rate=${Math.round(p.perSecond)}/s p50=${quantile(sorted, 0.5).toFixed(1)}ms p99=${quantile(sorted, 0.99).toFixed(1)}ms server-cpu=${Math.round(p.cpuUs)}µs/${what.replace(/s$/, '')} answers: ${answers}`;
};

export const run = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({
    args,
    options: {
      capacity: { type: 'string' },
      queued: { type: 'string' },
      connections: { type: 'string' },
      quick: { type: 'boolean' },
    },
  });
  const capacity = Number(values.capacity ?? (values.quick ? 1000 : 5000));
  const queued = Number(values.queued ?? (values.quick ? 2000 : 10_000));
  const connections = Number(values.connections ?? 256);
  for (const [name, n] of [
    ['--capacity', capacity],
    ['--queued', queued],
    ['--connections', connections],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`${name} must be a whole number of at least 1.\n`);
      process.exit(2);
    }
  }
  report(
    `waiting bench on ${env()}: one room of ${capacity} with no overflow rooms, ${capacity} placed joins then ${queued} queued over HTTP (${connections} connections), then the ${capacity} placed leave`,
  );
  const bench = await startBenchServer('bench-waiting', { SPILLWAY_MEDIA: 'off', SPILLWAY_SCHEDULER: 'timers' });
  const { server } = bench;
  try {
    const roomId = `waiting-${randomUUID().slice(0, 8)}`;
    await server.engine.commands.send({
      type: 'OpenRoom',
      data: { roomId, title: 'Waiting room', capacity, maxOverflowRooms: 0, queueCapacity: queued },
      metadata: { actor: 'producer', at: new Date().toISOString() },
    });
    const run = randomUUID().slice(0, 8);
    const base = { url: server.url, roomId, secret: SECRET, connections, send: 'documentId', record: true } as const;
    // Warm-up, not measured: a room of its own filled and queued once, so the first measured phase is not the JIT's.
    const warmUp = Math.min(1000, capacity);
    const warmRoom = `${roomId}-warm-up`;
    await server.engine.commands.send({
      type: 'OpenRoom',
      data: { roomId: warmRoom, title: 'Warm-up', capacity: warmUp, maxOverflowRooms: 0, queueCapacity: warmUp },
      metadata: { actor: 'producer', at: new Date().toISOString() },
    });
    await load({ ...base, roomId: warmRoom, joins: 2 * warmUp, users: `warm-up-${run}`, record: false });
    const placed = await phase(server, { ...base, joins: capacity, users: `placed-${run}` });
    report(line('placed', 'joins', placed));
    // In two halves: what a queued join costs with a short queue and with a long one.
    const front = await phase(server, { ...base, joins: Math.ceil(queued / 2), users: `queued-${run}-a` });
    const back = await phase(server, { ...base, joins: Math.floor(queued / 2), users: `queued-${run}-b` });
    const waiting = bothHalves(front, back);
    const queue = await readWaitingLine(server.engine.store, roomId);
    const disagreement = positionDisagreement(queue, waiting.requests ?? []);
    report(
      `${line('queued', 'joins', waiting)}; positions: ${disagreement ? `DISAGREE with the log: ${disagreement}` : `each as the log queued them (1..${queue.queued.length})`}`,
    );
    report(
      `waiting queue length: a queued join cost ${Math.round(front.cpuUs)} µs of server CPU with 0→${front.count} waiting, ${Math.round(back.cpuUs)} µs with ${front.count}→${queued} waiting (${ratio(back.cpuUs, front.cpuUs)}; 1.0x: its cost does not grow with the queue)`,
    );
    report(
      `waiting ratio: a queued join costs ${ratio(waiting.cpuUs, placed.cpuUs)} a placed one in server CPU (${Math.round(waiting.cpuUs)} / ${Math.round(placed.cpuUs)} µs), p99 ${ratio(quantile(latencies(waiting.requests ?? []), 0.99), quantile(latencies(placed.requests ?? []), 0.99))} (queued ÷ placed)`,
    );

    const leaves = await phase(server, {
      ...base,
      joins: capacity,
      users: `placed-${run}`,
      document: 'LeaveRoom',
    });
    report(line('leaves', 'leaves', leaves));
    const after = await readWaitingLine(server.engine.store, roomId);
    const admitted = after.admitted.length;
    const span = admitted > 1 ? after.admitted[admitted - 1]!.at - after.admitted[0]!.at : 0;
    const disorder = admissionDisorder(after);
    const room = server.engine.readModels.room(roomId);
    report(
      `waiting admissions: ${admitted} admitted from the queue (expected ${Math.min(capacity, queued)}), ${span > 0 ? Math.round((1000 * (admitted - 1)) / span) : 'n/a'}/s over first→last recordedAt (${span} ms), ${Math.round((1000 * admitted) / leaves.loadMs)}/s over the leave load (${Math.round(leaves.loadMs)} ms); still queued ${room?.queued ?? '?'}, seated ${room?.listenerCount ?? '?'}; admission order: ${disorder ? `DISORDER: ${disorder}` : `equals queue order (the ${admitted} admitted are the first ${admitted} queued, in order)`}`,
    );
    for (const [name, p] of [
      ['placed', placed],
      ['queued', waiting],
      ['leaves', leaves],
    ] as const) {
      if (p.firstFailure) report(`  ${name}: first failure: ${p.firstFailure}`);
    }
  } finally {
    await bench.stop();
  }
};
