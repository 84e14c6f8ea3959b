// Media on other hosts, end to end with real parts: the API and its log on
// the control host, `spillway media-node` processes on two media hosts
// (network namespaces when run as root), RTP over real UDP between them.
import { afterEach, describe, expect, it } from 'vitest';
import type { MediaSignaling } from '../../../src/media/index.ts';
import type { FeedItem } from '../../../src/projections/index.ts';
import { eventually, opusRtpParameters, RtpReceiver, RtpSender, ssrcOf } from '../rtp.ts';
import { retrying, startCluster, type Cluster } from './cluster.ts';

const SPEAKER = 'sol-the-speaker';
const LISTENERS = ['fay-in-the-main-room', 'lee-in-overflow'];
const TITLE = 'A very identifiable title';

describe('media nodes on other hosts', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  const cluster = async (): Promise<Cluster> => {
    const c = await startCluster(['b', 'c']);
    cleanup.push(() => c.close());
    return c;
  };

  /** The MediaReconnectRequired items of a family's feed, as they arrive. */
  const reconnectsOf = (c: Cluster, familyId: string): FeedItem[] => {
    const told: FeedItem[] = [];
    const feed = c.api.engine.readModels.feed.subscribe(familyId);
    cleanup.push(() => feed.close());
    feed.deliverTo(
      (item) => void (item.kind === 'MediaReconnectRequired' && told.push(item)),
      () => undefined,
    );
    return told;
  };

  /** A plain-RTP speaker in the main room (on host b) and a listener placed in the overflow room (on host c). */
  const speakAndListen = async (c: Cluster, roomId: string) => {
    const signaling: MediaSignaling = c.api.signaling!;
    const { overflowRooms } = await c.openFamily(roomId, TITLE, SPEAKER, LISTENERS);
    const overflowId = overflowRooms[0]!;
    expect(await eventually(() => c.placement(roomId)[overflowId] !== undefined, 10_000)).toBe(true);
    expect(c.placement(roomId)).toEqual({ [roomId]: 'b', [overflowId]: 'c' });

    /** The speaker's plain-RTP gateway: a transport on the main room's node, a producer, packets every 20 ms. */
    const speak = async (ssrc: number) => {
      const transport = await retrying(() =>
        signaling.createPlainRtpTransport({ userId: SPEAKER, roomId, role: 'speaker' }),
      );
      const { producerId } = await signaling.produce({
        userId: SPEAKER,
        transportId: transport.id,
        kind: 'audio',
        rtpParameters: opusRtpParameters(ssrc),
      });
      const sender = new RtpSender(ssrc, transport.port, 80, transport.ip);
      cleanup.push(() => sender.stop());
      return { ip: transport.ip, producerId, sender };
    };
    const { ip: speakerIp, producerId, sender } = await speak(0x5151);
    expect(speakerIp).toBe(c.media.b!.host.ip);

    const receiver = await RtpReceiver.open(c.hosts.controlIp);
    cleanup.push(() => receiver.close());
    /** Consumes (and resumes) the family's speakers on the listener's transport, once media has them. */
    const consumeOn = async (transportId: string) => {
      const consumers = await retrying(
        () =>
          signaling.consumeSpeakers({
            userId: LISTENERS[1]!,
            transportId,
            rtpCapabilities: signaling.routerRtpCapabilities(overflowId),
          }),
        (list) => list.length > 0,
      );
      await Promise.all(consumers.map((x) => signaling.resumeConsumer({ userId: LISTENERS[1]!, consumerId: x.id })));
      return consumers;
    };
    const listen = async () => {
      const transport = await retrying(() =>
        signaling.createPlainRtpTransport(
          { userId: LISTENERS[1]!, roomId: overflowId, role: 'listener' },
          { ip: c.hosts.controlIp, port: receiver.port },
        ),
      );
      return { transport, consumers: await consumeOn(transport.id) };
    };
    return { signaling, overflowId, producerId, receiver, listen, consumeOn, speak, sender };
  };

  it('carries a main-room speaker on host b to an overflow listener on host c through one SRTP pipe', async () => {
    const c = await cluster();
    const { overflowId, producerId, receiver, listen } = await speakAndListen(c, 'stage-one');
    const { transport, consumers } = await listen();
    expect(transport.ip).toBe(c.media.c!.host.ip);
    expect(consumers.map((x) => [x.producerId, x.speakerUserId])).toEqual([[producerId, SPEAKER]]);
    expect(await eventually(() => (receiver.bySsrc.get(ssrcOf(consumers[0]!)) ?? 0) >= 25)).toBe(true);

    const [b, cc] = [await c.inventory('b'), await c.inventory('c')];
    expect(b.hostPipes).toEqual([expect.objectContaining({ direction: 'out', nodeId: 'c', producers: 1, srtp: true })]);
    expect(cc.hostPipes).toEqual([expect.objectContaining({ direction: 'in', nodeId: 'b', producers: 1, srtp: true })]);
    expect(cc.rooms.flatMap((r) => r.routers).reduce((n, r) => n + r.listeners, 0)).toBe(1);
    console.log(
      `cross-host media (${c.hosts.kind}): speaker on ${c.media.b!.host.ip}, overflow ${overflowId} on ${c.media.c!.host.ip}, ${receiver.total()} packets received`,
    );
  });

  it('tells media nodes opaque ids only: no user id, room id or title in anything they receive', async () => {
    const c = await cluster();
    const { receiver, listen } = await speakAndListen(c, 'stage-secret');
    const { consumers } = await listen();
    expect(await eventually(() => (receiver.bySsrc.get(ssrcOf(consumers[0]!)) ?? 0) >= 5)).toBe(true);
    const forbidden = [SPEAKER, ...LISTENERS, TITLE, 'stage-secret'];
    for (const name of ['b', 'c']) {
      const received = c.audit(name);
      const ops = new Set(received.map((r) => r.op));
      // The audit saw the whole conversation, not a quiet moment.
      expect([...ops].sort()).toEqual(
        expect.arrayContaining(
          name === 'b'
            ? ['createPlainRtpTransport', 'produce', 'offerPipe', 'reconcile']
            : ['consumeSpeakers', 'createPlainRtpTransport', 'reconcile', 'resumeConsumer'],
        ),
      );
      for (const { op, body } of received)
        for (const word of forbidden)
          expect(body.includes(word), `${name} received "${word}" in ${op}: ${body}`).toBe(false);
    }
  });

  /** Loses host c as `lose` says; the overflow listener on c is told, re-placed on b, and hears again. */
  const recoverFrom = async (roomId: string, lose: (c: Cluster) => void) => {
    const c = await cluster();
    const { overflowId, receiver, listen } = await speakAndListen(c, roomId);
    const first = await listen();
    expect(await eventually(() => (receiver.bySsrc.get(ssrcOf(first.consumers[0]!)) ?? 0) >= 10)).toBe(true);
    const told = reconnectsOf(c, roomId);
    const lostAt = performance.now();
    lose(c);
    expect(await eventually(() => told.some((t) => t.roomId === overflowId), 5_000)).toBe(true);
    const toldMs = performance.now() - lostAt;
    expect(c.placement(roomId)[overflowId]).toBe('b');
    expect(told.find((t) => t.roomId === overflowId)).toMatchObject({
      redo: expect.arrayContaining(['createMediaTransport', 'consumeSpeakers']),
    });
    const before = receiver.total();
    const again = await listen();
    expect(again.transport.ip).toBe(c.media.b!.host.ip);
    expect(await eventually(() => receiver.total() > before + 5, 5_000)).toBe(true);
    return { c, toldMs: Math.round(toldMs), heardMs: Math.round(performance.now() - lostAt) };
  };

  it('re-places the rooms of a SIGKILLed media node, tells their listeners, who hear again', async () => {
    const { c, toldMs, heardMs } = await recoverFrom('stage-kill', (cl) => cl.media.c!.process.kill('SIGKILL'));
    expect(c.api.engine.readModels.mediaCluster.nodes().find((n) => n.nodeId === 'c')?.status).toBe('lost');
    console.log(
      `kill-to-audio (${c.hosts.kind}): node declared lost and listener told ${toldMs} ms after SIGKILL; audio again after ${heardMs} ms`,
    );
  });

  it('re-places the rooms of a media node whose link is cut, and takes the node back when it returns', async () => {
    const { c, toldMs, heardMs } = await recoverFrom('stage-cut', (cl) => {
      if (cl.hosts.kind === 'loopback')
        console.log('link cut: loopback hosts have no link of their own; the node is stopped (SIGSTOP) instead');
      const node = cl.media.c!;
      node.host.cut([node.process]);
      cleanup.push(() => node.host.restore([node.process]));
    });
    console.log(
      `cut-to-audio (${c.hosts.kind}): listener told ${toldMs} ms after the cut; audio again after ${heardMs} ms`,
    );
    const node = c.media.c!;

    // Back on the network, the same process joins again with nothing placed on it, and the pipe to it is gone.
    node.host.restore([node.process]);
    const nodeC = () => c.api.engine.readModels.mediaCluster.nodes().find((n) => n.nodeId === 'c')!;
    expect(await eventually(() => nodeC().status === 'joined', 5_000)).toBe(true);
    expect(await eventually(async () => (await c.inventory('c')).rooms.length === 0, 5_000)).toBe(true);
    expect(await eventually(async () => (await c.inventory('b')).hostPipes.length === 0, 5_000)).toBe(true);
  });

  it('moves the main room off a SIGKILLed source node: the speaker produces again, overflow listeners consume again', async () => {
    const c = await cluster();
    const { overflowId, receiver, listen, consumeOn, speak, sender } = await speakAndListen(c, 'stage-source');
    const { transport } = await listen();
    expect(await eventually(() => receiver.total() >= 10)).toBe(true);
    const told = reconnectsOf(c, 'stage-source');

    const killedAt = performance.now();
    c.media.b!.process.kill('SIGKILL');
    expect(await eventually(() => told.length >= 2, 5_000)).toBe(true);
    sender.stop();
    expect(told).toEqual([
      expect.objectContaining({
        roomId: 'stage-source',
        redo: expect.arrayContaining(['createMediaTransport', 'produceAudio']),
      }),
      expect.objectContaining({ roomId: overflowId, redo: ['consumeSpeakers', 'resumeConsumer'] }),
    ]);
    expect(c.placement('stage-source')).toEqual({ 'stage-source': 'c', [overflowId]: 'c' });

    expect((await speak(0x6161)).ip).toBe(c.media.c!.host.ip);
    // The overflow listener keeps its transport on c and consumes the speaker's new producer there.
    const consumers = await consumeOn(transport.id);
    expect(consumers).toHaveLength(1);
    expect(await eventually(() => (receiver.bySsrc.get(ssrcOf(consumers[0]!)) ?? 0) >= 5, 5_000)).toBe(true);
    console.log(
      `source-node loss (${c.hosts.kind}): overflow listener hears the re-produced speaker ${Math.round(performance.now() - killedAt)} ms after SIGKILL`,
    );
    expect((await c.inventory('c')).hostPipes).toEqual([]);
  });

  it('tells the listeners of a room whose worker died on its node, through the log, and they hear again there', async () => {
    const c = await cluster();
    const { overflowId, receiver, listen } = await speakAndListen(c, 'stage-worker');
    await listen();
    expect(await eventually(() => receiver.total() >= 10)).toBe(true);
    const told = reconnectsOf(c, 'stage-worker');
    const [worker] = (await c.inventory('c')).workers;
    process.kill(worker!.pid, 'SIGKILL');
    expect(await eventually(() => told.some((t) => t.roomId === overflowId), 5_000)).toBe(true);
    const events = await c.api.engine.store.readStream('media-placement-stage-worker');
    expect(events.at(-1)).toMatchObject({
      type: 'RoomMediaLost',
      data: { roomId: overflowId, nodeId: 'c', reason: 'workerDied' },
    });
    expect(c.placement('stage-worker')[overflowId]).toBe('c');
    const before = receiver.total();
    const again = await listen();
    expect(again.transport.ip).toBe(c.media.c!.host.ip);
    expect(await eventually(() => receiver.total() > before + 5, 5_000)).toBe(true);
    expect((await c.inventory('c')).workers.map((w) => w.pid)).not.toContain(worker!.pid);
  });
});
