// The media plane's membership rule on a real mediasoup worker: a transport is made for where its
// user is placed, and every later call checks they are still there, as the log last said
// (enforcePlacement, which the server's reactor calls after every batch: test/graphql/mediaRights.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMediasoupMediaPlane,
  MediaForbiddenError,
  TooManyTransportsError,
  type MediaPlane,
} from '../../src/media/index.ts';
import { livePlan } from './plans.ts';
import { RtpReceiver, startSpeaker, type RtpSender } from './rtp.ts';

describe('media membership', () => {
  let media: MediaPlane;
  let receiver: RtpReceiver;
  let sue: { producerId: string; sender: RtpSender };
  const listenerIn = (roomId: string, userId = 'lou') =>
    media.createPlainRtpTransport({ userId, roomId, role: 'listener' }, { ip: '127.0.0.1', port: receiver.port });
  const listenersIn = (roomId: string) =>
    media.inventory().rooms.find((r) => r.roomId === roomId)!.routers[0]!.listeners;

  beforeAll(async () => {
    media = await createMediasoupMediaPlane({ listenIp: '127.0.0.1', workers: 1, maxTransportsPerUser: 2 });
    await media.reconcile([livePlan('hall', ['sue'], 1)]);
    receiver = await RtpReceiver.open();
    sue = await startSpeaker(media, 'hall', 'sue', 0x5e);
  });
  afterAll(() => {
    sue.sender.stop();
    receiver.close();
    media.close();
  });

  it('a user the log says left loses their transports at once; calls on them are refused', async () => {
    const { id: transportId } = await listenerIn('hall-overflow-1');
    const caps = media.routerRtpCapabilities('hall-overflow-1');
    const [consumer] = await media.consumeSpeakers({ userId: 'lou', transportId, rtpCapabilities: caps });
    expect(consumer).toMatchObject({ producerId: sue.producerId, speakerUserId: 'sue' });
    expect(listenersIn('hall-overflow-1')).toBe(1);

    expect(media.enforcePlacement('hall', 'lou', null)).toBe(1);
    expect(listenersIn('hall-overflow-1')).toBe(0);
    await expect(media.consumeSpeakers({ userId: 'lou', transportId, rtpCapabilities: caps })).rejects.toThrow(
      /does not exist/,
    );
    await expect(media.resumeConsumer({ userId: 'lou', consumerId: consumer!.id })).rejects.toThrow(/does not exist/);
    // Telling it again, or about someone holding no media, changes nothing.
    expect(media.enforcePlacement('hall', 'lou', null)).toBe(0);
    expect(media.enforcePlacement('hall', 'nobody', { roomId: 'hall', role: 'listener' })).toBe(0);
  });

  it('a move closes only what was made for where the user was; the rest keeps working', async () => {
    const audience = await listenerIn('hall-overflow-1');
    // The API places lou on stage (an invitation accepted): the audience transport no longer fits.
    const stage = await media.createPlainRtpTransport({ userId: 'lou', roomId: 'hall', role: 'speaker' });
    const produce = media.produce({
      userId: 'lou',
      transportId: audience.id,
      kind: 'audio',
      rtpParameters: { codecs: [], encodings: [] },
    });
    await expect(produce).rejects.toThrow(MediaForbiddenError);
    await expect(produce).rejects.toThrow(/lou was moved: they are a speaker in room hall now/);
    // The log then says so too: the audience transport closes, the stage's stays.
    expect(media.enforcePlacement('hall', 'lou', { roomId: 'hall', role: 'speaker' })).toBe(1);
    expect(listenersIn('hall-overflow-1')).toBe(0);
    await expect(
      media.connectTransport({
        userId: 'lou',
        transportId: stage.id,
        dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB' }] },
      }),
    ).rejects.toThrow(/plain RTP/);
    // Moved off the stage and not yet seated: the stage transport closes too.
    expect(media.enforcePlacement('hall', 'lou', null)).toBe(1);
  });

  it('refuses a call on a transport whose user the log moved, and lets them close it', async () => {
    const { id: transportId } = await listenerIn('hall-overflow-1', 'liv');
    const caps = media.routerRtpCapabilities('hall-overflow-1');
    const [consumer] = await media.consumeSpeakers({ userId: 'liv', transportId, rtpCapabilities: caps });
    // A second transport as a listener in the main room moves liv there.
    const main = await listenerIn('hall', 'liv');
    for (const call of [
      media.consumeSpeakers({ userId: 'liv', transportId, rtpCapabilities: caps }),
      media.resumeConsumer({ userId: 'liv', consumerId: consumer!.id }),
    ]) {
      await expect(call).rejects.toThrow(/liv was moved: they are a listener in room hall now/);
    }
    media.closeTransport({ userId: 'liv', transportId });
    media.closeTransport({ userId: 'liv', transportId: main.id });
    expect(listenersIn('hall-overflow-1')).toBe(0);
  });

  it('holds one user to maxTransportsPerUser per family, concurrent requests included', async () => {
    const made = await Promise.allSettled([1, 2, 3, 4].map(() => listenerIn('hall-overflow-1', 'max')));
    const refused = made.filter((m) => m.status === 'rejected');
    expect(made.filter((m) => m.status === 'fulfilled')).toHaveLength(2);
    expect(refused).toHaveLength(2);
    for (const r of refused) expect(r.reason).toBeInstanceOf(TooManyTransportsError);
    expect(refused[0]!.reason).toMatchObject({ code: 'TOO_MANY_TRANSPORTS', limit: 2 });
    for (const m of made)
      if (m.status === 'fulfilled') media.closeTransport({ userId: 'max', transportId: m.value.id });
    await expect(listenerIn('hall-overflow-1', 'max')).resolves.toMatchObject({ port: expect.any(Number) });
  });

  it('rejects a bad limit up front', async () => {
    await expect(createMediasoupMediaPlane({ listenIp: '127.0.0.1', maxTransportsPerUser: 0 })).rejects.toThrow(
      /maxTransportsPerUser must be a positive integer/,
    );
  });
});
