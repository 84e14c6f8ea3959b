// npm run bench -- media: the cross-host part. Listeners carried by 1, 2 and
// 3 media nodes (`spillway media-node` processes, one worker each, on hosts
// made of network namespaces when run as root), three speakers sending
// plain RTP at 50 packets/s, each listener three plain-RTP consumers. Per
// node: consumers carried per CPU-second of its worker; with more nodes, the
// same figure for the whole family (the SRTP pipes between hosts are the
// difference), and the kill-to-audio time when a node carrying an overflow
// room is SIGKILLed.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { RoomEvent } from '../src/domain/index.ts';
import { opusRtpParameters, RtpReceiver, RtpSender } from '../src/cli/demo/plainRtp.ts';
import type { MediaSignaling } from '../src/media/index.ts';
import { eventually, sleep } from '../test/media/rtp.ts';
import { retrying, startCluster, type Cluster } from '../test/media/cluster/cluster.ts';
import { report } from './report.ts';

const SPEAKERS = ['speaker-1', 'speaker-2', 'speaker-3'];
const TICKS = 100; // USER_HZ on Linux

const cpuSecondsOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
};

interface NodeLoad {
  readonly nodeId: string;
  readonly consumers: number;
  readonly cpuPerSecond: number;
}

/** Runs `work` across `items` with at most `width` at once. */
const inParallel = async <T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
};

/** A family of `nodes` rooms of `perRoom` listeners each, one room per node, and its speakers sending. */
const family = async (c: Cluster, nodes: number, perRoom: number) => {
  const { commands, readModels } = c.api.engine;
  const roomId = `bench-${nodes}`;
  const at = c.at;
  await commands.send({
    type: 'OpenRoom',
    data: { roomId, title: 'bench', capacity: perRoom + 2 },
    metadata: { ...at(), actor: SPEAKERS[0]! },
  });
  // Its joins are admitted within the seats media holds for it: announce the audience, so they are held ahead.
  const audience = nodes * perRoom;
  await commands.send({
    type: 'AnnounceHeadliner',
    data: { roomId, userId: SPEAKERS[0]!, expectedAudience: audience + SPEAKERS.length },
    metadata: { ...at(), actor: SPEAKERS[0]! },
  });
  const until = Date.now() + 20_000;
  while ((readModels.capacityPlan(roomId)?.mediaSeats ?? 0) < audience + SPEAKERS.length) {
    if (Date.now() > until) throw new Error(`media seats for ${audience} listeners were not granted to ${roomId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const s of SPEAKERS.slice(1)) {
    await commands.send({ type: 'JoinRoom', data: { roomId }, metadata: { ...at(), actor: s } });
    await commands.send({
      type: 'InviteToSpeak',
      data: { roomId, userId: s },
      metadata: { ...at(), actor: SPEAKERS[0]! },
    });
    await commands.send({ type: 'AcceptInvite', data: { roomId }, metadata: { ...at(), actor: s } });
  }
  const rooms = new Map<string, string[]>();
  const joins = await Promise.all(
    Array.from({ length: nodes * perRoom }, (_, i) =>
      commands
        .send({ type: 'JoinRoom', data: { roomId }, metadata: { ...at(), actor: `listener-${i}` } })
        .then((r) => ({ userId: `listener-${i}`, r })),
    ),
  );
  let position = -1n;
  for (const { userId, r } of joins) {
    let placedIn = roomId;
    for (const e of r.events as RoomEvent[])
      if (e.type === 'ListenerRedirectedToOverflow' && e.data.userId === userId) placedIn = e.data.overflowRoomId;
    rooms.set(placedIn, [...(rooms.get(placedIn) ?? []), userId]);
    if (r.position > position) position = r.position;
  }
  await readModels.waitFor(position);
  return { roomId, rooms };
};

interface Measured {
  readonly loads: NodeLoad[];
  readonly pipeOnly: number[];
  /** Packets per second each probe consumer received: ≈ 50 when RTP flows at the sent rate. */
  readonly probePps: number;
  readonly hosts: string;
}

const measureNodes = async (nodes: number, perRoom: number, windowMs: number): Promise<Measured> => {
  const names = ['b', 'c', 'd'].slice(0, nodes);
  const c = await startCluster(names);
  const senders: RtpSender[] = [];
  const probe = await RtpReceiver.open(c.hosts.controlIp);
  const closed = dgram.createSocket('udp4');
  closed.bind(0, c.hosts.controlIp);
  await once(closed, 'listening');
  const sinkPort = closed.address().port;
  closed.close(); // packets to it are dropped by the kernel, so this process is not the bottleneck
  try {
    const signaling: MediaSignaling = c.api.signaling!;
    const { roomId, rooms } = await family(c, nodes, perRoom);
    const placed = await eventually(() => [...rooms.keys()].every((r) => c.placement(roomId)[r] !== undefined), 10_000);
    if (!placed) throw new Error(`rooms not placed: ${JSON.stringify(c.placement(roomId))}`);
    for (const [i, userId] of SPEAKERS.entries()) {
      const t = await retrying(() => signaling.createPlainRtpTransport({ userId, roomId, role: 'speaker' }));
      await signaling.produce({
        userId,
        transportId: t.id,
        kind: 'audio',
        rtpParameters: opusRtpParameters(0x7100 + i),
      });
      senders.push(new RtpSender(0x7100 + i, t.port, 80, t.ip));
    }
    await sleep(1_500); // every receiving node has pulled the three producers
    const workerPids = async () =>
      Object.fromEntries(
        await Promise.all(names.map(async (n) => [n, (await c.inventory(n)).workers.map((w) => w.pid)] as const)),
      );
    const pids = await workerPids();
    const cpuOf = (n: string) => pids[n]!.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
    const window = async () => {
      const before = Object.fromEntries(names.map((n) => [n, cpuOf(n)]));
      const started = performance.now();
      await sleep(windowMs);
      const seconds = (performance.now() - started) / 1000;
      return Object.fromEntries(names.map((n) => [n, (cpuOf(n) - before[n]!) / seconds]));
    };
    // The pipes alone (speakers sending, no listener yet): what fan-out across hosts costs each node.
    const idle = await window();
    let probes = 0;
    const listeners = [...rooms].flatMap(([room, users]) => users.map((userId) => ({ room, userId })));
    await inParallel(listeners, 16, async ({ room, userId }) => {
      const t = await retrying(() =>
        signaling.createPlainRtpTransport(
          { userId, roomId: room, role: 'listener' },
          { ip: c.hosts.controlIp, port: probes++ < 5 ? probe.port : sinkPort },
        ),
      );
      const consumers = await retrying(
        () =>
          signaling.consumeSpeakers({
            userId,
            transportId: t.id,
            rtpCapabilities: signaling.routerRtpCapabilities(room),
          }),
        (list) => list.length === SPEAKERS.length,
      );
      await Promise.all(consumers.map((x) => signaling.resumeConsumer({ userId, consumerId: x.id })));
    });
    await sleep(500);
    const probeBefore = probe.total();
    const loaded = await window();
    const probePps = (probe.total() - probeBefore) / (5 * SPEAKERS.length) / (windowMs / 1000);
    const consumersOn = async (n: string) =>
      (await c.inventory(n)).rooms.reduce((sum, r) => sum + r.routers.reduce((m, x) => m + x.listeners, 0), 0) *
      SPEAKERS.length;
    const loads = await Promise.all(
      names.map(async (n) => ({ nodeId: n, consumers: await consumersOn(n), cpuPerSecond: loaded[n]! })),
    );
    if (probe.total() === 0) throw new Error('no RTP reached the probe listeners');
    return { loads, pipeOnly: names.map((n) => idle[n]!), probePps, hosts: c.hosts.kind };
  } finally {
    for (const s of senders) s.stop();
    probe.close();
    await c.close();
  }
};

/** Kill-to-audio: SIGKILL the node carrying an overflow room; its listener re-creates its transport when told, until RTP arrives again. */
const recovery = async (): Promise<{ toldMs: number; heardMs: number }> => {
  const c = await startCluster(['b', 'c']);
  const senders: RtpSender[] = [];
  const receiver = await RtpReceiver.open(c.hosts.controlIp);
  try {
    const signaling = c.api.signaling!;
    const { overflowRooms } = await c.openFamily('bench-kill', 'bench', SPEAKERS[0]!, ['one', 'two']);
    const overflowId = overflowRooms[0]!;
    await eventually(() => c.placement('bench-kill')[overflowId] === 'c', 10_000);
    const t = await retrying(() =>
      signaling.createPlainRtpTransport({ userId: SPEAKERS[0]!, roomId: 'bench-kill', role: 'speaker' }),
    );
    await signaling.produce({
      userId: SPEAKERS[0]!,
      transportId: t.id,
      kind: 'audio',
      rtpParameters: opusRtpParameters(0x7200),
    });
    senders.push(new RtpSender(0x7200, t.port, 80, t.ip));
    const listen = async () => {
      const lt = await retrying(() =>
        signaling.createPlainRtpTransport(
          { userId: 'two', roomId: overflowId, role: 'listener' },
          { ip: c.hosts.controlIp, port: receiver.port },
        ),
      );
      const consumers = await retrying(
        () =>
          signaling.consumeSpeakers({
            userId: 'two',
            transportId: lt.id,
            rtpCapabilities: signaling.routerRtpCapabilities(overflowId),
          }),
        (list) => list.length > 0,
      );
      await Promise.all(consumers.map((x) => signaling.resumeConsumer({ userId: 'two', consumerId: x.id })));
    };
    await listen();
    await eventually(() => receiver.total() > 10);
    let toldAt = 0;
    const feed = c.api.engine.readModels.feed.subscribe('bench-kill');
    const told = new Promise<void>((resolve) =>
      feed.deliverTo(
        (item) => {
          if (item.kind === 'MediaReconnectRequired' && item.roomId === overflowId) {
            toldAt = performance.now();
            resolve();
          }
        },
        () => undefined,
      ),
    );
    const killedAt = performance.now();
    c.media.c!.process.kill('SIGKILL');
    await told;
    feed.close();
    const before = receiver.total();
    await listen();
    await eventually(() => receiver.total() > before + 1, 5_000);
    return { toldMs: toldAt - killedAt, heardMs: performance.now() - killedAt };
  } finally {
    for (const s of senders) s.stop();
    receiver.close();
    await c.close();
  }
};

export const runCluster = async (quick: boolean): Promise<void> => {
  const perRoom = quick ? 60 : 200;
  const windowMs = quick ? 2_000 : 5_000;
  const results: Array<{ nodes: number } & Measured> = [];
  for (const nodes of [1, 2, 3]) results.push({ nodes, ...(await measureNodes(nodes, perRoom, windowMs)) });
  const efficiency = (loads: readonly NodeLoad[]) =>
    loads.reduce((n, l) => n + l.consumers, 0) / loads.reduce((n, l) => n + l.cpuPerSecond, 0);
  const single = efficiency(results[0]!.loads);
  for (const { nodes, loads, pipeOnly, probePps, hosts } of results) {
    const perNode = loads
      .map(
        (l, i) =>
          `${l.nodeId}: ${l.consumers} consumers, ${(100 * l.cpuPerSecond).toFixed(1)}% CPU → ${Math.round(l.consumers / l.cpuPerSecond)}/CPU-s (pipes alone ${(100 * pipeOnly[i]!).toFixed(1)}%)`,
      )
      .join('; ');
    const total = efficiency(loads);
    const pipes = pipeOnly.reduce((a, b) => a + b, 0) / loads.reduce((n, l) => n + l.cpuPerSecond, 0);
    report(
      `${nodes} media node${nodes > 1 ? 's' : ' '}: ${perNode}; family ${Math.round(total)} consumers/CPU-s = ${((100 * total) / single).toFixed(0)}% of one node's (goal ≥ 90 %); pipes' share of CPU ${(100 * pipes).toFixed(1)}%; probes ${probePps.toFixed(1)} pkt/s per consumer (${hosts})`,
    );
  }
  const { toldMs, heardMs } = await recovery();
  report(
    `kill-to-audio: node declared lost and listener told ${Math.round(toldMs)} ms after SIGKILL, audio again at ${Math.round(heardMs)} ms (goal < 2 s: ${heardMs < 2000 ? 'meets' : 'MISSES'})`,
  );
};
