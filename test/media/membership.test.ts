// The media plane's membership rule on a real mediasoup worker: every call made with a transport
// checks where its user is placed now (here a placement table the test moves people in; through
// the server it is the read models, see test/graphql/mediaRights.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMediasoupMediaPlane,
  MediaForbiddenError,
  TooManyTransportsError,
  type MediaPlacement,
  type MediaPlane,
} from '../../src/media/index.ts';
import { livePlan } from './plans.ts';
import { RtpReceiver, startSpeaker, type RtpSender } from './rtp.ts';

describe('media membership', () => {
  let media: MediaPlane;
  let receiver: RtpReceiver;
  let sue: { producerId: string; sender: RtpSender };
  /** Who is where in the one family `hall`. */
  const where = new Map<string, MediaPlacement>();
  const listenerIn = (roomId: string) =>
    media.createPlainRtpTransport(
      { userId: 'lou', roomId, role: 'listener' },
      { ip: '127.0.0.1', port: receiver.port },
    );

  beforeAll(async () => {
    media = await createMediasoupMediaPlane({
      listenIp: '127.0.0.1',
      workers: 1,
      maxTransportsPerUser: 2,
      placements: (_roomId, userId) => where.get(userId),
    });
    await media.reconcile([livePlan('hall', ['sue'], 1)]);
    receiver = await RtpReceiver.open();
    where.set('sue', { roomId: 'hall', role: 'speaker' });
    sue = await startSpeaker(media, 'hall', 'sue', 0x5e);
  });
  afterAll(() => {
    sue.sender.stop();
    receiver.close();
    media.close();
  });

  it('refuses every call on a transport whose user left, but lets them close it', async () => {
    where.set('lou', { roomId: 'hall-overflow-1', role: 'listener' });
    const { id: transportId } = await listenerIn('hall-overflow-1');
    const caps = media.routerRtpCapabilities('hall-overflow-1');
    const [consumer] = await media.consumeSpeakers({ userId: 'lou', transportId, rtpCapabilities: caps });
    expect(consumer).toMatchObject({ producerId: sue.producerId, speakerUserId: 'sue' });

    where.delete('lou');
    for (const call of [
      media.consumeSpeakers({ userId: 'lou', transportId, rtpCapabilities: caps }),
      media.consume({ userId: 'lou', transportId, producerId: sue.producerId, rtpCapabilities: caps }),
      media.resumeConsumer({ userId: 'lou', consumerId: consumer!.id }),
    ]) {
      await expect(call).rejects.toThrow(MediaForbiddenError);
      await expect(call).rejects.toThrow(/lou is no longer in room hall-overflow-1 .*join the room again/);
    }
    await expect(listenerIn('hall-overflow-1')).rejects.toThrow(/no longer in room/);
    media.closeTransport({ userId: 'lou', transportId });
    expect(media.inventory().rooms.find((r) => r.roomId === 'hall-overflow-1')!.routers[0]!.listeners).toBe(0);
  });

  it('refuses a transport made for where its user no longer is, and enforcePlacement closes only those', async () => {
    where.set('lou', { roomId: 'hall-overflow-1', role: 'listener' });
    const old = await listenerIn('hall-overflow-1');
    // Moved on stage: the audience transport no longer fits; one made for the stage does.
    where.set('lou', { roomId: 'hall', role: 'speaker' });
    const produce = media.produce({
      userId: 'lou',
      transportId: old.id,
      kind: 'audio',
      rtpParameters: { codecs: [], encodings: [] },
    });
    await expect(produce).rejects.toThrow(/lou was moved: they are a speaker in room hall now/);
    await expect(listenerIn('hall-overflow-1')).rejects.toThrow(MediaForbiddenError);
    const onStage = await media.createPlainRtpTransport({ userId: 'lou', roomId: 'hall', role: 'speaker' });

    expect(media.enforcePlacement('hall', 'lou')).toBe(1);
    expect(media.enforcePlacement('hall', 'lou')).toBe(0);
    await expect(media.consumeSpeakers({ userId: 'lou', transportId: old.id, rtpCapabilities: {} })).rejects.toThrow(
      /does not exist/,
    );
    media.closeTransport({ userId: 'lou', transportId: onStage.id });
  });

  it('holds one user to maxTransportsPerUser per family, concurrent requests included', async () => {
    where.set('lou', { roomId: 'hall-overflow-1', role: 'listener' });
    const made = await Promise.allSettled([1, 2, 3, 4].map(() => listenerIn('hall-overflow-1')));
    const refused = made.filter((m) => m.status === 'rejected');
    expect(made.filter((m) => m.status === 'fulfilled')).toHaveLength(2);
    expect(refused).toHaveLength(2);
    for (const r of refused) expect(r.reason).toBeInstanceOf(TooManyTransportsError);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'TOO_MANY_TRANSPORTS', limit: 2 });
    for (const m of made)
      if (m.status === 'fulfilled') media.closeTransport({ userId: 'lou', transportId: m.value.id });
    await expect(listenerIn('hall-overflow-1')).resolves.toMatchObject({ port: expect.any(Number) });
  });

  it('rejects a bad limit or lookup up front', async () => {
    await expect(createMediasoupMediaPlane({ listenIp: '127.0.0.1', maxTransportsPerUser: 0 })).rejects.toThrow(
      /maxTransportsPerUser must be a positive integer/,
    );
    await expect(createMediasoupMediaPlane({ listenIp: '127.0.0.1', placements: {} as never })).rejects.toThrow(
      /placements must be a function/,
    );
  });
});
