// Audio a speaker sends into the main room reaches a listener in an overflow
// room on another worker, through pipeToRouter: real worker, real UDP RTP.
import { afterEach, describe, expect, it } from 'vitest';
import { createMediasoupMediaPlane, type MediaPlane } from '../../src/media/index.ts';
import { livePlan } from './plans.ts';
import { eventually, RtpReceiver, ssrcOf, startListener, startSpeaker, type RtpSender } from './rtp.ts';

describe('overflow audio through the pipe', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() =>
    cleanup
      .splice(0)
      .reverse()
      .forEach((f) => f()),
  );

  const plane = async (): Promise<MediaPlane> => {
    const p = await createMediasoupMediaPlane({ listenIp: '127.0.0.1', workers: 2 });
    cleanup.push(() => p.close());
    return p;
  };

  it('delivers a main-room speaker’s RTP to a listener placed in an overflow room', async () => {
    const media = await plane();
    await media.reconcile([livePlan('room-a', ['alice'], 1)]);
    const speaker = await startSpeaker(media, 'room-a', 'alice', 0x1111);
    cleanup.push(() => speaker.sender.stop());
    const receiver = await RtpReceiver.open();
    cleanup.push(() => receiver.close());

    const { consumers } = await startListener(media, 'room-a-overflow-1', 'lena', receiver);

    expect(consumers.map((c) => [c.producerId, c.speakerUserId])).toEqual([[speaker.producerId, 'alice']]);
    const rooms = media.inventory().rooms;
    const main = rooms.find((r) => r.roomId === 'room-a')!.routers[0]!;
    const overflow = rooms.find((r) => r.roomId === 'room-a-overflow-1')!.routers[0]!;
    expect(overflow.workerPid).not.toBe(main.workerPid); // least-loaded placement spread them
    expect(overflow).toMatchObject({ pipes: 1, listeners: 1 });
    expect(await eventually(() => (receiver.bySsrc.get(ssrcOf(consumers[0]!)) ?? 0) >= 25)).toBe(true);
  });

  it('pipes a speaker who starts producing after the overflow room exists, and stops when they leave the plan', async () => {
    const media = await plane();
    const plan = livePlan('room-b', ['bo', 'cy'], 2);
    await media.reconcile([plan]);
    const senders: RtpSender[] = [];
    cleanup.push(() => senders.forEach((s) => s.stop()));
    const bo = await startSpeaker(media, 'room-b', 'bo', 0x2222);
    const cy = await startSpeaker(media, 'room-b', 'cy', 0x3333);
    senders.push(bo.sender, cy.sender);
    const overflowPipes = () =>
      media
        .inventory()
        .rooms.filter((r) => r.roomId !== 'room-b')
        .map((r) => r.routers[0]!.pipes);
    expect(overflowPipes()).toEqual([2, 2]); // produce() piped at once, before any reconcile

    const receiver = await RtpReceiver.open();
    cleanup.push(() => receiver.close());
    const { consumers } = await startListener(media, 'room-b-overflow-2', 'lena', receiver);
    expect(consumers).toHaveLength(2);
    expect(await eventually(() => consumers.every((c) => (receiver.bySsrc.get(ssrcOf(c)) ?? 0) >= 10))).toBe(true);

    const report = await media.reconcile([{ ...plan, speakers: ['bo'] }]);
    expect(report).toEqual({
      routersCreated: 0,
      routersClosed: 0,
      pipesCreated: 0,
      pipesClosed: 2,
      producersClosed: 1,
    });
    expect(overflowPipes()).toEqual([1, 1]);
    const cyConsumer = consumers.find((c) => c.speakerUserId === 'cy')!;
    const before = receiver.bySsrc.get(ssrcOf(cyConsumer)) ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.bySsrc.get(ssrcOf(cyConsumer)) ?? 0).toBeLessThanOrEqual(before + 1); // one packet may be in flight
  });
});
