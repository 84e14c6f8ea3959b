// Plain RTP over UDP: a speaker gateway sending 20 ms Opus-sized packets into
// a room, and a listener socket counting what a room delivers. Used by load
// tests, the surge demo and the media tests to measure real delivery.
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { ConsumerParameters, MediaPlane, RtpParameters } from '../../media/index.ts';

export const OPUS_PT = 111;

export const opusRtpParameters = (ssrc: number): RtpParameters => ({
  codecs: [{ mimeType: 'audio/opus', payloadType: OPUS_PT, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc }],
});

const rtpPacket = (ssrc: number, seq: number, payload: Buffer): Buffer => {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = OPUS_PT;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE((seq * 960) >>> 0, 4);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, payload]);
};

/** Sends one packet every 20 ms (50 packets/s, like Opus) until stopped; `port` can be retargeted. */
export class RtpSender {
  readonly #socket = dgram.createSocket('udp4');
  readonly #timer: NodeJS.Timeout;
  #seq = 0;
  sent = 0;

  constructor(
    readonly ssrc: number,
    public port: number,
    payloadBytes = 80,
    readonly host = '127.0.0.1',
  ) {
    const payload = Buffer.alloc(payloadBytes, 0x5a);
    payload[0] = 0xfc; // Opus TOC byte: a 20 ms frame
    this.#timer = setInterval(() => {
      this.#seq += 1;
      this.sent += 1;
      this.#socket.send(rtpPacket(this.ssrc, this.#seq, payload), this.port, this.host);
    }, 20);
  }

  #stopped = false;

  /** Safe to call twice. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#socket.close();
  }
}

/** A bound UDP socket counting RTP packets per SSRC. */
export class RtpReceiver {
  readonly socket = dgram.createSocket('udp4');
  readonly bySsrc = new Map<number, number>();

  static async open(): Promise<RtpReceiver> {
    const receiver = new RtpReceiver();
    receiver.socket.on('message', (msg) => {
      const pt = msg[1]! & 0x7f;
      if (msg.length < 12 || msg[0]! >> 6 !== 2 || (pt >= 72 && pt <= 76)) return; // not RTP, or RTCP (types 200–204)
      const ssrc = msg.readUInt32BE(8);
      receiver.bySsrc.set(ssrc, (receiver.bySsrc.get(ssrc) ?? 0) + 1);
    });
    receiver.socket.bind(0, '127.0.0.1');
    await once(receiver.socket, 'listening');
    return receiver;
  }

  get port(): number {
    return this.socket.address().port;
  }

  total(): number {
    let sum = 0;
    for (const n of this.bySsrc.values()) sum += n;
    return sum;
  }

  close(): void {
    this.socket.close();
  }
}

/** A speaker sending RTP into the main room through the plane's plain-RTP ingest. */
export const startSpeaker = async (plane: MediaPlane, familyId: string, userId: string, ssrc: number) => {
  const transport = await plane.createPlainRtpTransport({ userId, roomId: familyId, role: 'speaker' });
  const { producerId } = await plane.produce({
    userId,
    transportId: transport.id,
    kind: 'audio',
    rtpParameters: opusRtpParameters(ssrc),
  });
  return { producerId, transportId: transport.id, sender: new RtpSender(ssrc, transport.port) };
};

/** A listener placed in `roomId` whose consumers send RTP to `receiver`; returns the resumed consumers. */
export const startListener = async (
  plane: MediaPlane,
  roomId: string,
  userId: string,
  receiver: RtpReceiver,
): Promise<{ transportId: string; consumers: ConsumerParameters[] }> => {
  const transport = await plane.createPlainRtpTransport(
    { userId, roomId, role: 'listener' },
    { ip: '127.0.0.1', port: receiver.port },
  );
  const consumers = await plane.consumeSpeakers({
    userId,
    transportId: transport.id,
    rtpCapabilities: plane.routerRtpCapabilities(roomId),
  });
  await Promise.all(consumers.map((c) => plane.resumeConsumer({ userId, consumerId: c.id })));
  return { transportId: transport.id, consumers };
};
