// The signaling functions' contract: what a client gets back, and the named
// error (or TypeError, for a malformed argument) for everything it may get wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CannotConsumeError,
  ConsumerNotFoundError,
  createMediasoupMediaPlane,
  MediaForbiddenError,
  MediaPlaneClosedError,
  ProducerNotFoundError,
  RoomMediaNotFoundError,
  TransportNotFoundError,
  type MediaPlane,
} from '../../src/media/index.ts';
import { livePlan } from './plans.ts';
import { opusRtpParameters, RtpReceiver, startListener, startSpeaker, type RtpSender } from './rtp.ts';

describe('media signaling', () => {
  let media: MediaPlane;
  let receiver: RtpReceiver;
  const senders: RtpSender[] = [];
  beforeAll(async () => {
    media = await createMediasoupMediaPlane({ listenIp: '127.0.0.1', announcedAddress: '203.0.113.7', workers: 1 });
    await media.reconcile([livePlan('hall', ['sue', 'sid'], 1)]);
    receiver = await RtpReceiver.open();
  });
  afterAll(() => {
    senders.forEach((s) => s.stop());
    receiver.close();
    media.close();
  });

  it('creates a WebRTC transport with ICE and DTLS parameters announcing the public address', async () => {
    const t = await media.createWebRtcTransport({ userId: 'lou', roomId: 'hall-overflow-1', role: 'listener' });
    expect(t.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.iceParameters.usernameFragment).toBeTruthy();
    expect(t.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
    expect(new Set(t.iceCandidates.map((c) => `${c.address}/${c.protocol}`))).toEqual(
      new Set(['203.0.113.7/udp', '203.0.113.7/tcp']),
    );
    expect(media.inventory().rooms.find((r) => r.roomId === 'hall-overflow-1')!.routers[0]!.listeners).toBe(1);
    media.closeTransport({ userId: 'lou', transportId: t.id });
    expect(media.inventory().rooms.find((r) => r.roomId === 'hall-overflow-1')!.routers[0]!.listeners).toBe(0);
  });

  it('returns Opus-only router capabilities for main and overflow rooms alike', () => {
    for (const room of ['hall', 'hall-overflow-1']) {
      expect(media.routerRtpCapabilities(room).codecs?.map((c) => c.mimeType)).toEqual(['audio/opus']);
    }
  });

  it('rejects malformed arguments with a TypeError naming the field', async () => {
    await expect(createMediasoupMediaPlane({ listenIp: '' })).rejects.toThrow(/listenIp/);
    await expect(createMediasoupMediaPlane({ listenIp: '127.0.0.1', workers: 0 })).rejects.toThrow(TypeError);
    await expect(media.reconcile('hall' as never)).rejects.toThrow(/plans must be an array/);
    await expect(media.reconcile([livePlan('x', [], 0), livePlan('x', [], 0)])).rejects.toThrow(
      /family x appears twice/,
    );
    const negative = livePlan('y', [], 1, { overflow: -1 });
    await expect(media.reconcile([negative])).rejects.toThrow(/rooms\[1\]\.routers must be a non-negative integer/);
    expect(() => media.routerRtpCapabilities('')).toThrow(TypeError);
    await expect(media.createWebRtcTransport({ userId: '', roomId: 'hall', role: 'listener' })).rejects.toThrow(
      /caller\.userId/,
    );
    await expect(media.createWebRtcTransport({ userId: 'u', roomId: 'hall', role: 'host' as never })).rejects.toThrow(
      /caller\.role/,
    );
    await expect(media.createPlainRtpTransport({ userId: 'u', roomId: 'hall', role: 'listener' })).rejects.toThrow(
      /remote/,
    );
    await expect(
      media.createPlainRtpTransport(
        { userId: 'u', roomId: 'hall', role: 'listener' },
        { ip: '127.0.0.1', port: 70000 },
      ),
    ).rejects.toThrow(/remote\.port/);
    const t = await media.createWebRtcTransport({ userId: 'sue', roomId: 'hall', role: 'speaker' });
    await expect(
      media.connectTransport({ userId: 'sue', transportId: t.id, dtlsParameters: { fingerprints: [] } }),
    ).rejects.toThrow(/fingerprints/);
    await expect(
      media.produce({ userId: 'sue', transportId: t.id, kind: 'video' as never, rtpParameters: opusRtpParameters(1) }),
    ).rejects.toThrow(/kind must be 'audio'/);
    await expect(
      media.produce({ userId: 'sue', transportId: t.id, kind: 'audio', rtpParameters: {} as never }),
    ).rejects.toThrow(/rtpParameters\.codecs/);
    // Nothing was created by the refused calls: the reconcile with the bad plans never ran.
    expect(
      media
        .inventory()
        .rooms.map((r) => r.roomId)
        .sort(),
    ).toEqual(['hall', 'hall-overflow-1']);
  });

  it('refuses what the caller’s role or placement does not allow, with a named error', async () => {
    await expect(
      media.createWebRtcTransport({ userId: 'sue', roomId: 'hall-overflow-1', role: 'speaker' }),
    ).rejects.toThrow(MediaForbiddenError);
    await expect(media.createWebRtcTransport({ userId: 'u', roomId: 'nowhere', role: 'listener' })).rejects.toThrow(
      RoomMediaNotFoundError,
    );

    const listener = await media.createPlainRtpTransport(
      { userId: 'lou', roomId: 'hall-overflow-1', role: 'listener' },
      { ip: '127.0.0.1', port: receiver.port },
    );
    const listenerProduces = media.produce({
      userId: 'lou',
      transportId: listener.id,
      kind: 'audio',
      rtpParameters: opusRtpParameters(7),
    });
    await expect(listenerProduces).rejects.toThrow(MediaForbiddenError);
    await expect(listenerProduces).rejects.toThrow(/only speakers send audio/);

    const stranger = await media.createPlainRtpTransport({ userId: 'zed', roomId: 'hall', role: 'speaker' });
    await expect(
      media.produce({ userId: 'zed', transportId: stranger.id, kind: 'audio', rtpParameters: opusRtpParameters(8) }),
    ).rejects.toThrow(/not on stage/);
    await expect(
      media.produce({ userId: 'sue', transportId: stranger.id, kind: 'audio', rtpParameters: opusRtpParameters(9) }),
    ).rejects.toThrow(/belongs to another user/);
    await expect(
      media.connectTransport({
        userId: 'zed',
        transportId: stranger.id,
        dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB' }] },
      }),
    ).rejects.toThrow(/plain RTP/);
    const missing = media.consumeSpeakers({
      userId: 'lou',
      transportId: '00000000-0000-0000-0000-000000000000',
      rtpCapabilities: { codecs: [] },
    });
    await expect(missing).rejects.toThrow(TransportNotFoundError);
    await expect(missing).rejects.toMatchObject({ code: 'TRANSPORT_NOT_FOUND', name: 'TransportNotFoundError' });
  });

  it('consumes speakers through the overflow router by their main-room producer ids, and names what cannot be consumed', async () => {
    const sue = await startSpeaker(media, 'hall', 'sue', 0x5e);
    senders.push(sue.sender);
    const { transportId, consumers } = await startListener(media, 'hall-overflow-1', 'lia', receiver);
    expect(consumers).toEqual([
      expect.objectContaining({ producerId: sue.producerId, speakerUserId: 'sue', kind: 'audio' }),
    ]);

    const caps = media.routerRtpCapabilities('hall-overflow-1');
    const one = await media.consume({ userId: 'lia', transportId, producerId: sue.producerId, rtpCapabilities: caps });
    expect(one.producerId).toBe(sue.producerId);
    await expect(
      media.consume({ userId: 'lia', transportId, producerId: 'no-such-producer', rtpCapabilities: caps }),
    ).rejects.toThrow(ProducerNotFoundError);
    await expect(
      media.consume({ userId: 'lia', transportId, producerId: sue.producerId, rtpCapabilities: { codecs: [] } }),
    ).rejects.toThrow(CannotConsumeError);
    await expect(media.resumeConsumer({ userId: 'lia', consumerId: 'gone' })).rejects.toThrow(ConsumerNotFoundError);
    await expect(media.resumeConsumer({ userId: 'sue', consumerId: one.id })).rejects.toThrow(MediaForbiddenError);
  });

  it('is closed for good after close(), which is safe to call twice', async () => {
    const other = await createMediasoupMediaPlane({ listenIp: '127.0.0.1', workers: 1 });
    other.close();
    other.close();
    expect(other.closed).toBe(true);
    expect(() => other.inventory()).toThrow(MediaPlaneClosedError);
    await expect(other.reconcile([])).rejects.toMatchObject({ code: 'MEDIA_PLANE_CLOSED' });
  });
});
