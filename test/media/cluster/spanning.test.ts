// A room whose routers do not fit on one media host: its first router on host
// b, its second on host c (each node carries 255 listeners, the room 260).
// Each listener's transport goes to the node of the router serving them, and
// listeners on both hosts hear the main room's speaker: on c through the one
// SRTP pipe from b.
import { afterEach, describe, expect, it } from 'vitest';
import { routerFor, type RoomCommand } from '../../../src/domain/index.ts';
import { eventually, opusRtpParameters, RtpReceiver, RtpSender, ssrcOf } from '../rtp.ts';
import { retrying, startCluster, type Cluster } from './cluster.ts';

const ROOM = 'wide-stage';
const SPEAKER = 'sol-the-speaker';
const LISTENERS = 260;

describe('a room whose routers span media hosts', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('places its second router on another host when the first host is full, and both hosts’ listeners hear', async () => {
    const c: Cluster = await startCluster(['b', 'c'], { listenersPerWorker: 255 });
    cleanup.push(() => c.close());
    const { commands, readModels } = c.api.engine;
    const send = async (command: RoomCommand) => readModels.waitFor((await commands.send(command)).position);
    await send({
      type: 'OpenRoom',
      data: { roomId: ROOM, title: 'Wide', capacity: 400 },
      metadata: { ...c.at(), actor: SPEAKER },
    });
    // Announced ahead, so the seats for all of them are held before they join.
    await send({
      type: 'AnnounceHeadliner',
      data: { roomId: ROOM, userId: SPEAKER, expectedAudience: 300 },
      metadata: { ...c.at(), actor: SPEAKER },
    });
    expect(await eventually(() => (readModels.capacityPlan(ROOM)?.mediaSeats ?? 0) >= 300, 10_000)).toBe(true);
    const users = Array.from({ length: LISTENERS }, (_, i) => `listener-${i}`);
    const joins = await Promise.all(
      users.map((actor) => commands.send({ type: 'JoinRoom', data: { roomId: ROOM }, metadata: { ...c.at(), actor } })),
    );
    await readModels.waitFor(joins.reduce((p, j) => (j.position > p ? j.position : p), -1n));
    expect(readModels.room(ROOM)!.listenerCount).toBe(LISTENERS);

    const routers = () => readModels.mediaCluster.placement(ROOM)?.routers[ROOM] ?? [];
    expect(await eventually(() => routers().length === 2, 10_000)).toBe(true);
    expect(routers()).toEqual(['b', 'c']);

    const signaling = c.api.signaling!;
    const transport = await retrying(() =>
      signaling.createPlainRtpTransport({ userId: SPEAKER, roomId: ROOM, role: 'speaker' }),
    );
    expect(transport.ip).toBe(c.media.b!.host.ip);
    await signaling.produce({
      userId: SPEAKER,
      transportId: transport.id,
      kind: 'audio',
      rtpParameters: opusRtpParameters(0x7171),
    });
    const sender = new RtpSender(0x7171, transport.port, 80, transport.ip);
    cleanup.push(() => sender.stop());

    /** A listener served by router `router` of the room: their transport is on that router's host, and they hear. */
    const listenOn = async (router: number, host: string) => {
      const userId = users.find((u) => routerFor(u, 2) === router)!;
      const receiver = await RtpReceiver.open(c.hosts.controlIp);
      cleanup.push(() => receiver.close());
      const listening = await retrying(() =>
        signaling.createPlainRtpTransport(
          { userId, roomId: ROOM, role: 'listener' },
          { ip: c.hosts.controlIp, port: receiver.port },
        ),
      );
      expect(listening.ip).toBe(c.media[host]!.host.ip);
      const consumers = await retrying(
        () =>
          signaling.consumeSpeakers({
            userId,
            transportId: listening.id,
            rtpCapabilities: signaling.routerRtpCapabilities(ROOM),
          }),
        (list) => list.length > 0,
      );
      expect(consumers.map((x) => x.speakerUserId)).toEqual([SPEAKER]);
      await Promise.all(consumers.map((x) => signaling.resumeConsumer({ userId, consumerId: x.id })));
      expect(await eventually(() => (receiver.bySsrc.get(ssrcOf(consumers[0]!)) ?? 0) >= 10, 10_000)).toBe(true);
      return receiver.total();
    };
    const [onB, onC] = [await listenOn(0, 'b'), await listenOn(1, 'c')];

    // One SRTP pipe from b to c carries the speaker, whatever the number of listeners on c.
    expect((await c.inventory('b')).hostPipes).toEqual([
      expect.objectContaining({ direction: 'out', nodeId: 'c', producers: 1, srtp: true }),
    ]);
    expect((await c.inventory('c')).hostPipes).toEqual([
      expect.objectContaining({ direction: 'in', nodeId: 'b', producers: 1, srtp: true }),
    ]);
    expect((await c.inventory('c')).rooms.map((r) => r.routers.length)).toEqual([1]);
    console.log(
      `spanning routers (${c.hosts.kind}): room ${ROOM} on b and c; listeners heard ${onB} packets on b, ${onC} on c`,
    );
  });
});
