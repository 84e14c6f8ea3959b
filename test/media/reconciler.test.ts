// The reconciler against the real worker: what it reports is checked against
// what the mediasoup workers themselves say they hold (worker.dump()).
import { observer as mediasoupObserver, type types as ms } from 'mediasoup';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMediasoupMediaPlane, type MediaPlane, type RoutersLost } from '../../src/media/index.ts';
import { desiredRouters } from '../../src/media/reconciler.ts';
import { endedPlan, livePlan } from './plans.ts';
import { RtpReceiver, startListener, startSpeaker, type RtpSender } from './rtp.ts';

const ZERO = { routersCreated: 0, routersClosed: 0, pipesCreated: 0, pipesClosed: 0, producersClosed: 0 };

describe('media reconciler', () => {
  const cleanup: Array<() => void> = [];
  let workers: ms.Worker[] = [];
  const onWorker = (w: ms.Worker) => workers.push(w);
  beforeEach(() => {
    workers = [];
    mediasoupObserver.on('newworker', onWorker);
  });
  afterEach(() => {
    mediasoupObserver.off('newworker', onWorker);
    cleanup
      .splice(0)
      .reverse()
      .forEach((f) => f());
  });

  const plane = async (): Promise<MediaPlane> => {
    const p = await createMediasoupMediaPlane({ listenIp: '127.0.0.1', workers: 2 });
    cleanup.push(() => p.close());
    return p;
  };
  /** Routers and pipe transports as the worker processes report them. */
  const workerTotals = async () => {
    const dumps = await Promise.all(workers.filter((w) => !w.closed).map((w) => w.dump()));
    return { routers: dumps.reduce((n, d) => n + d.routerIds.length, 0) };
  };

  it('provisions 20 overflow rooms × 3 speakers, changes nothing on a second run, and tears down to zero routers', async () => {
    const media = await plane();
    const plan = livePlan('famous', ['s1', 's2', 's3'], 20);
    expect(await media.reconcile([plan])).toEqual({ ...ZERO, routersCreated: 21 });
    const senders: RtpSender[] = [];
    cleanup.push(() => senders.forEach((s) => s.stop()));
    for (const [i, user] of ['s1', 's2', 's3'].entries())
      senders.push((await startSpeaker(media, 'famous', user, 0x100 + i)).sender);

    expect(await workerTotals()).toEqual({ routers: 21 });
    const pipesPerRoom = media
      .inventory()
      .rooms.filter((r) => r.roomId !== 'famous')
      .map((r) => r.routers[0]!.pipes);
    expect(pipesPerRoom).toEqual(Array(20).fill(3));
    const perWorker = media.inventory().workers.map((w) => w.routers);
    expect(perWorker.sort()).toEqual([10, 11]); // least-loaded placement

    expect(await media.reconcile([plan])).toEqual(ZERO);
    expect(await media.reconcile([plan])).toEqual(ZERO);

    expect(await media.reconcile([endedPlan(plan)])).toEqual({ ...ZERO, routersClosed: 21, pipesClosed: 60 });
    expect(await workerTotals()).toEqual({ routers: 0 });
    expect(media.inventory().rooms).toEqual([]);
    expect(media.inventory().workers.map((w) => w.routers)).toEqual([0, 0]);
    expect(await media.reconcile([endedPlan(plan)])).toEqual(ZERO);
  });

  it('closes families left out of the plans and scales a room down, telling its listeners to reconnect', async () => {
    const media = await plane();
    const lost: RoutersLost[] = [];
    media.observer.on('routersLost', (e) => lost.push(e));
    const a = livePlan('a', ['sa'], 1, { overflow: 3 });
    const b = livePlan('b', ['sb'], 2);
    expect(await media.reconcile([a, b])).toEqual({ ...ZERO, routersCreated: 4 + 3 });
    const speaker = await startSpeaker(media, 'a', 'sa', 0xa);
    cleanup.push(() => speaker.sender.stop());
    const receiver = await RtpReceiver.open();
    cleanup.push(() => receiver.close());
    await startListener(media, 'a-overflow-1', 'lena', receiver); // first router of the room: listeners are packed in order

    const fewer = { ...a, rooms: a.rooms.map((r) => (r.role === 'overflow' ? { ...r, routers: 1 } : r)) };
    // b is gone (3 routers, 2 pipes-less overflow); a's overflow room keeps the router with the listener.
    expect(await media.reconcile([fewer])).toEqual({ ...ZERO, routersClosed: 3 + 2, pipesClosed: 2 });
    const overflow = media.inventory().rooms.find((r) => r.roomId === 'a-overflow-1')!;
    expect(overflow.routers).toEqual([expect.objectContaining({ listeners: 1, pipes: 1 })]);
    expect(lost).toEqual([]); // the emptiest routers went, so nobody had to move
    expect(await workerTotals()).toEqual({ routers: 2 });

    const none = {
      ...fewer,
      rooms: fewer.rooms.map((r) => (r.role === 'overflow' ? { ...r, open: false, routers: 0 } : r)),
    };
    expect(await media.reconcile([none])).toEqual({ ...ZERO, routersClosed: 1, pipesClosed: 1 });
    expect(lost).toEqual([{ reason: 'scaledDown', rooms: [{ familyId: 'a', roomId: 'a-overflow-1' }] }]);
    expect(await media.reconcile([none])).toEqual(ZERO);
  });

  it('keeps a live family’s main router even with no listeners, and needs none for an ended one', () => {
    const plan = livePlan('r', [], 2, { main: 0, overflow: 2 });
    expect([...desiredRouters(plan)]).toEqual([
      ['r', 1],
      ['r-overflow-1', 2],
      ['r-overflow-2', 2],
    ]);
    expect(desiredRouters(endedPlan(plan)).size).toBe(0);
    const mainClosed = { ...plan, rooms: plan.rooms.map((r) => (r.role === 'main' ? { ...r, open: false } : r)) };
    expect(desiredRouters(mainClosed).size).toBe(0);
  });
});
