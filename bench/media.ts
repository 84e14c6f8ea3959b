// npm run bench -- media [--quick]
// 1. Provisioning overflow rooms fed by 3 speakers: the media plane's
//    reconciler (one batch: routers and pipes created concurrently) against a
//    naive sequential provisioner on raw mediasoup (await each router, then
//    each pipeToRouter). Goal: < 50 ms per room, 20 rooms < 1 s.
// 3. (bench/mediaCluster.ts) Listeners carried by 1, 2 and 3 media nodes on
//    separate hosts, the SRTP pipes' share of their CPU, and kill-to-audio.
//    `--cluster` runs only this part.
// 2. Consumers one worker holds with RTP flowing: one PlainTransport producer
//    at 50 packets/s (20 ms Opus-sized frames), N listeners each on its own
//    PlainTransport; the worker's CPU (getResourceUsage) and RSS (/proc).
import dgram from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createWorker, type types as ms } from 'mediasoup';
import { createMediasoupMediaPlane } from '../src/media/index.ts';
import type { CapacityPlan } from '../src/projections/index.ts';
import { livePlan } from '../test/media/plans.ts';
import { opusRtpParameters, RtpReceiver, RtpSender, sleep } from '../test/media/rtp.ts';
import { runCluster } from './mediaCluster.ts';
import { env, ratio, report } from './report.ts';

const SPEAKERS = ['s1', 's2', 's3'];
const listenInfo: ms.TransportListenInfo = { protocol: 'udp', ip: '127.0.0.1' };
const codecs: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const timed = async (f: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await f();
  return performance.now() - started;
};

/** Milliseconds to bring `rooms` overflow rooms up, median of `rounds`, via the plane's reconcile. */
const viaReconciler = async (rooms: number, rounds: number): Promise<number> => {
  const media = await createMediasoupMediaPlane({ listenIp: '127.0.0.1', workers: 2 });
  try {
    const base = livePlan('bench', SPEAKERS, 0);
    await media.reconcile([base]);
    for (const [i, userId] of SPEAKERS.entries()) {
      const t = await media.createPlainRtpTransport({ userId, roomId: 'bench', role: 'speaker' });
      await media.produce({ userId, transportId: t.id, kind: 'audio', rtpParameters: opusRtpParameters(0x700 + i) });
    }
    const wanted: CapacityPlan = livePlan('bench', SPEAKERS, rooms);
    const times: number[] = [];
    for (let r = 0; r < rounds; r += 1) {
      times.push(
        await timed(async () => {
          const done = await media.reconcile([wanted]);
          if (done.routersCreated !== rooms || done.pipesCreated !== rooms * SPEAKERS.length) {
            throw new Error(`reconcile made ${JSON.stringify(done)} for ${rooms} rooms`);
          }
        }),
      );
      await media.reconcile([base]);
      await sleep(50); // as the sequential run does: let the worker finish closing before the next round
    }
    return median(times);
  } finally {
    media.close();
  }
};

/** The same work on raw mediasoup, one awaited call at a time. */
const viaSequentialCalls = async (rooms: number, rounds: number): Promise<number> => {
  const workers = [await createWorker({ logLevel: 'error' }), await createWorker({ logLevel: 'error' })];
  try {
    const main = await workers[0]!.createRouter({ mediaCodecs: codecs });
    const producers: ms.Producer[] = [];
    for (let i = 0; i < SPEAKERS.length; i += 1) {
      const t = await main.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
      producers.push(await t.produce({ kind: 'audio', rtpParameters: opusRtpParameters(0x800 + i) }));
    }
    const times: number[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const routers: ms.Router[] = [];
      times.push(
        await timed(async () => {
          for (let i = 0; i < rooms; i += 1) {
            const router = await workers[(i + 1) % 2]!.createRouter({ mediaCodecs: codecs });
            routers.push(router);
            for (const p of producers) await main.pipeToRouter({ producerId: p.id, router, keepId: false, listenInfo });
          }
        }),
      );
      for (const router of routers) router.close();
      await sleep(50);
    }
    return median(times);
  } finally {
    for (const w of workers) w.close();
  }
};

const workerCpuMs = async (worker: ms.Worker): Promise<number> => {
  const u = await worker.getResourceUsage();
  return u.ru_utime + u.ru_stime;
};
const rssMbOf = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.match(/\d+/)?.[0] ?? 0) / 1024);
};

interface Load {
  consumers: number;
  cpuPercent: number;
  rssMb: number;
  probePps: number;
}

/**
 * One worker, one router, N consumers on their own transports. Ten probe
 * consumers send to a counting socket to prove RTP flows; the rest send to a
 * closed port so the node process does not become the bottleneck.
 */
const consumerLoad = async (levels: number[], windowMs: number): Promise<Load[]> => {
  const worker = await createWorker({ logLevel: 'error' });
  const probe = await RtpReceiver.open();
  const closedPort = dgram.createSocket('udp4');
  closedPort.bind(0, '127.0.0.1');
  await once(closedPort, 'listening');
  const sinkPort = closedPort.address().port;
  closedPort.close(); // nothing listens there any more: packets are dropped by the kernel
  const results: Load[] = [];
  try {
    const router = await worker.createRouter({ mediaCodecs: codecs });
    const ingest = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
    const producer = await ingest.produce({ kind: 'audio', rtpParameters: opusRtpParameters(0x900) });
    const sender = new RtpSender(0x900, ingest.tuple.localPort, 80);
    const transports: ms.PlainTransport[] = [];
    try {
      for (const level of levels) {
        while (transports.length < level) {
          const t = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
          await t.connect({ ip: '127.0.0.1', port: transports.length < 10 ? probe.port : sinkPort });
          await t.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
          transports.push(t);
        }
        await sleep(500);
        const cpuBefore = await workerCpuMs(worker);
        const probeBefore = probe.total();
        const started = performance.now();
        await sleep(windowMs);
        const elapsed = performance.now() - started;
        const cpu = (await workerCpuMs(worker)) - cpuBefore;
        results.push({
          consumers: level,
          cpuPercent: (100 * cpu) / elapsed,
          rssMb: rssMbOf(worker.pid),
          probePps: (probe.total() - probeBefore) / Math.min(10, level) / (elapsed / 1000),
        });
      }
    } finally {
      sender.stop();
    }
  } finally {
    probe.close();
    worker.close();
  }
  return results;
};

export const run = async (args: string[]): Promise<void> => {
  const quick = args.includes('--quick');
  const rounds = quick ? 3 : 7;
  if (args.includes('--cluster')) {
    report(`media bench (cluster part) on ${env()}`);
    return runCluster(quick);
  }
  report(`media bench on ${env()} (2 workers; figures move with whatever else the machine runs)`);

  // One room takes a few milliseconds, well inside scheduler noise: more rounds for a steadier median.
  const plane1 = await viaReconciler(1, rounds * 3);
  const naive1 = await viaSequentialCalls(1, rounds * 3);
  const plane20 = await viaReconciler(20, rounds);
  const naive20 = await viaSequentialCalls(20, rounds);
  const verdict = (ms: number, goal: number) => (ms < goal ? 'meets' : 'MISSES');
  report(`reconciler   1 overflow room × 3 pipes:  ${plane1.toFixed(1)} ms (goal < 50 ms: ${verdict(plane1, 50)})`);
  report(`sequential   1 overflow room × 3 pipes:  ${naive1.toFixed(1)} ms`);
  report(
    `reconciler  20 overflow rooms × 3 pipes: ${plane20.toFixed(1)} ms (${(plane20 / 20).toFixed(1)} ms/room; goal < 1 s: ${verdict(plane20, 1000)})`,
  );
  report(`sequential  20 overflow rooms × 3 pipes: ${naive20.toFixed(1)} ms (${(naive20 / 20).toFixed(1)} ms/room)`);
  report(`ratio 1 room sequential/reconciler: ${ratio(naive1, plane1)}`);
  report(`ratio 20 rooms sequential/reconciler: ${ratio(naive20, plane20)}`);

  const levels = quick ? [50, 200] : [100, 250, 500, 1000, 2000];
  for (const load of await consumerLoad(levels, quick ? 2000 : 5000)) {
    report(
      `one worker, ${String(load.consumers).padStart(4)} consumers at 50 pkt/s each: CPU ${load.cpuPercent.toFixed(1)}% of a core, RSS ${load.rssMb} MB, probe ${load.probePps.toFixed(1)} pkt/s per consumer`,
    );
  }
  report('media nodes on separate hosts (one worker each; three speakers; listeners as plain-RTP consumers):');
  await runCluster(quick);
};
