// SIGKILL a real mediasoup worker: the plane tells the lost rooms' clients to
// reconnect, starts a new worker, and reconciles routers and pipes back.
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createMediasoupMediaPlane, type MediaPlane, type MediaPlaneEvents } from '../../src/media/index.ts';
import { livePlan } from './plans.ts';
import { eventually, RtpReceiver, ssrcOf, startListener, startSpeaker, type RtpSender } from './rtp.ts';

const ZERO = { routersCreated: 0, routersClosed: 0, pipesCreated: 0, pipesClosed: 0, producersClosed: 0 };

describe('a worker dies', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() =>
    cleanup
      .splice(0)
      .reverse()
      .forEach((f) => f()),
  );

  const workerOf = (media: MediaPlane, roomId: string): number =>
    media.inventory().rooms.find((r) => r.roomId === roomId)!.routers[0]!.workerPid;

  /** Kills the process and collects the plane's events until its reconcile after the death has run. */
  const kill = async (media: MediaPlane, pid: number) => {
    const lost: Array<MediaPlaneEvents['routersLost'][0]> = [];
    media.observer.on('routersLost', (e) => lost.push(e));
    const replaced = once(media.observer, 'workerReplaced') as Promise<MediaPlaneEvents['workerReplaced']>;
    const reconciled = once(media.observer, 'reconciled') as Promise<MediaPlaneEvents['reconciled']>;
    process.kill(pid, 'SIGKILL');
    const [[replacement], [report]] = await Promise.all([replaced, reconciled]);
    return { lost, replacement, report };
  };

  it('restores an overflow router and its pipes after SIGKILL, and audio flows to a reconnected listener', async () => {
    const media = await createMediasoupMediaPlane({ listenIp: '127.0.0.1', workers: 2 });
    cleanup.push(() => media.close());
    const plan = livePlan('k', ['sam', 'sia'], 1);
    await media.reconcile([plan]);
    const senders: RtpSender[] = [];
    cleanup.push(() => senders.forEach((s) => s.stop()));
    senders.push(
      (await startSpeaker(media, 'k', 'sam', 0x51)).sender,
      (await startSpeaker(media, 'k', 'sia', 0x52)).sender,
    );
    const receiver = await RtpReceiver.open();
    cleanup.push(() => receiver.close());
    await startListener(media, 'k-overflow-1', 'lena', receiver);
    expect(await eventually(() => receiver.total() >= 20)).toBe(true);

    const deadPid = workerOf(media, 'k-overflow-1');
    expect(deadPid).not.toBe(workerOf(media, 'k'));
    const { lost, replacement, report } = await kill(media, deadPid);

    expect(lost).toEqual([{ reason: 'workerDied', rooms: [{ familyId: 'k', roomId: 'k-overflow-1' }] }]);
    expect(replacement.diedPid).toBe(deadPid);
    expect(replacement.newPid).not.toBe(deadPid);
    expect(report).toEqual({ ...ZERO, routersCreated: 1, pipesCreated: 2 });
    expect(media.inventory().rooms.find((r) => r.roomId === 'k-overflow-1')!.routers).toEqual([
      expect.objectContaining({ pipes: 2, listeners: 0 }),
    ]);

    const again = await RtpReceiver.open();
    cleanup.push(() => again.close());
    const { consumers } = await startListener(media, 'k-overflow-1', 'lena', again);
    expect(consumers.map((c) => c.speakerUserId).sort()).toEqual(['sam', 'sia']);
    expect(await eventually(() => consumers.every((c) => (again.bySsrc.get(ssrcOf(c)) ?? 0) >= 10))).toBe(true);
    expect(await media.reconcile([plan])).toEqual(ZERO);
  });

  it('restores the main router after SIGKILL; once the speaker produces again the overflow listener hears them', async () => {
    const media = await createMediasoupMediaPlane({ listenIp: '127.0.0.1', workers: 2 });
    cleanup.push(() => media.close());
    const plan = livePlan('m', ['sam'], 1);
    await media.reconcile([plan]);
    const first = await startSpeaker(media, 'm', 'sam', 0x61);
    cleanup.push(() => first.sender.stop());
    const receiver = await RtpReceiver.open();
    cleanup.push(() => receiver.close());
    const listener = await startListener(media, 'm-overflow-1', 'lena', receiver);

    const { lost, report } = await kill(media, workerOf(media, 'm'));

    expect(lost).toEqual([{ reason: 'workerDied', rooms: [{ familyId: 'm', roomId: 'm' }] }]);
    // The speaker's producer died with the main router, so there is nothing to pipe until they come back.
    expect(report).toEqual({ ...ZERO, routersCreated: 1 });
    expect(media.inventory().rooms.find((r) => r.roomId === 'm-overflow-1')!.routers[0]!.pipes).toBe(0);
    first.sender.stop();

    const back = await startSpeaker(media, 'm', 'sam', 0x62);
    cleanup.push(() => back.sender.stop());
    expect(media.inventory().rooms.find((r) => r.roomId === 'm-overflow-1')!.routers[0]!.pipes).toBe(1);
    // The overflow router survived, so the listener's transport did too: consuming again is enough.
    const consumers = await media.consumeSpeakers({
      userId: 'lena',
      transportId: listener.transportId,
      rtpCapabilities: media.routerRtpCapabilities('m-overflow-1'),
    });
    await Promise.all(consumers.map((c) => media.resumeConsumer({ userId: 'lena', consumerId: c.id })));
    expect(consumers).toHaveLength(1);
    expect(await eventually(() => (receiver.bySsrc.get(ssrcOf(consumers[0]!)) ?? 0) >= 10)).toBe(true);
  });
});
