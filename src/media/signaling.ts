import type { types as ms } from 'mediasoup';
import {
  CannotConsumeError,
  ConsumerNotFoundError,
  MediaForbiddenError,
  ProducerNotFoundError,
  RoomMediaNotFoundError,
  TooManyTransportsError,
  TransportNotFoundError,
} from './errors.ts';
import type { FamilyMedia, LiveMedia, PlacedRouter, PlacedTransport } from './liveMedia.ts';
import { requirePlaced, stillPlaced } from './membership.ts';
import type {
  ConsumerParameters,
  DtlsParameters,
  MediaCaller,
  MediaKind,
  MediaSignaling,
  MediaPlacement,
  PlainRtpTransportParameters,
  RtpCapabilities,
  RtpParameters,
  WebRtcTransportParameters,
} from './types.ts';
import {
  requireAudioKind,
  requireCaller,
  requireDtlsParameters,
  requireId,
  requireRecord,
  requireRemote,
  requireRtpCapabilities,
  requireRtpParameters,
} from './validation.ts';

/**
 * The client-facing half of the media plane. A transport is made for a
 * `MediaCaller` (who, in which room, as what: the API's answer from the
 * family's roster), which is where its user is from then on until the log
 * says otherwise (`enforcePlacement`, told by a reactor after every batch).
 * Every later call names the user, who must be the transport's owner and
 * still placed where the transport was made (`requirePlaced`). A user holds
 * at most `maxTransportsPerUser` transports per room family.
 */
export abstract class MediasoupSignaling implements MediaSignaling {
  protected abstract readonly live: LiveMedia;
  protected abstract readonly listenInfo: ms.TransportListenInfo;
  protected abstract readonly listenersPerRouter: number;
  protected abstract readonly maxTransportsPerUser: number;
  protected abstract assertOpen(): void;
  /** Feeds a new producer to the family's other routers before `produce` answers. */
  protected abstract speakerStarted(family: FamilyMedia): Promise<void>;

  routerRtpCapabilities(roomId: string): RtpCapabilities {
    requireId(roomId, 'roomId');
    this.assertOpen();
    const found = this.live.routersOf(roomId);
    if (!found) throw new RoomMediaNotFoundError(roomId);
    return found.routers[0]!.router.rtpCapabilities;
  }

  async createWebRtcTransport(caller: MediaCaller): Promise<WebRtcTransportParameters> {
    const placed = this.#place(requireCaller(caller));
    const listenInfos: ms.TransportListenInfo[] = [this.listenInfo, { ...this.listenInfo, protocol: 'tcp' }];
    const transport = await this.#create(caller, placed, () =>
      placed.router.createWebRtcTransport({ listenInfos, preferUdp: true, appData: { userId: caller.userId } }),
    );
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async createPlainRtpTransport(
    caller: MediaCaller,
    remote?: { ip: string; port: number },
  ): Promise<PlainRtpTransportParameters> {
    requireCaller(caller);
    if (caller.role === 'listener' && remote === undefined)
      throw new TypeError('remote { ip, port } is required for a listener: it is where the RTP is sent');
    const to = remote === undefined ? undefined : requireRemote(remote);
    const placed = this.#place(caller);
    const transport = await this.#create(caller, placed, async () => {
      // A speaker's gateway is reached at whatever address its first packet comes from (comedia).
      const t = await placed.router.createPlainTransport({
        listenInfo: this.listenInfo,
        rtcpMux: true,
        comedia: caller.role === 'speaker',
      });
      if (to) await t.connect(to);
      return t;
    });
    return {
      id: transport.id,
      ip: this.listenInfo.announcedAddress ?? transport.tuple.localAddress,
      port: transport.tuple.localPort,
    };
  }

  async connectTransport(request: {
    userId: string;
    transportId: string;
    dtlsParameters: DtlsParameters;
  }): Promise<void> {
    const { transport } = this.#own(request);
    const dtlsParameters = requireDtlsParameters(request.dtlsParameters);
    if (transport.type !== 'webrtc')
      throw new TypeError(
        `transport ${transport.id} is plain RTP: it was connected when created and takes no DTLS parameters`,
      );
    await transport.connect({ dtlsParameters });
  }

  async produce(request: {
    userId: string;
    transportId: string;
    kind: MediaKind;
    rtpParameters: RtpParameters;
  }): Promise<{ producerId: string }> {
    const entry = this.#own(request);
    const kind = requireAudioKind(request.kind);
    const rtpParameters = requireRtpParameters(request.rtpParameters);
    const { caller, placed, transport } = entry;
    if (caller.role !== 'speaker') {
      throw new MediaForbiddenError(
        `${caller.userId} joined room ${caller.roomId} as a listener, and only speakers send audio; a moderator must invite them to speak first.`,
      );
    }
    const family = this.live.families.get(placed.familyId);
    if (!family?.speakers.has(caller.userId)) {
      throw new MediaForbiddenError(
        `${caller.userId} is not on stage in room ${placed.familyId} according to the last capacity plan; wait for the plan to list them, then produce again.`,
      );
    }
    const producer = await transport.produce({ kind, rtpParameters, appData: { userId: caller.userId } });
    this.live.addProducer(family, producer, caller.userId);
    await this.speakerStarted(family);
    return { producerId: producer.id };
  }

  async consume(request: {
    userId: string;
    transportId: string;
    producerId: string;
    rtpCapabilities: RtpCapabilities;
  }): Promise<ConsumerParameters> {
    const entry = this.#own(request);
    const producerId = requireId(request.producerId, 'producerId');
    const rtpCapabilities = requireRtpCapabilities(request.rtpCapabilities);
    const family = this.live.families.get(entry.placed.familyId);
    const speaker = family?.producers.get(producerId);
    const local = speaker && this.#localProducer(entry.placed, producerId);
    if (!speaker || !local) throw new ProducerNotFoundError(producerId, `in room ${entry.caller.roomId}`);
    return this.#consume(entry, producerId, speaker.userId, local, rtpCapabilities);
  }

  async consumeSpeakers(request: {
    userId: string;
    transportId: string;
    rtpCapabilities: RtpCapabilities;
  }): Promise<ConsumerParameters[]> {
    const entry = this.#own(request);
    const rtpCapabilities = requireRtpCapabilities(request.rtpCapabilities);
    const family = this.live.families.get(entry.placed.familyId);
    const consuming: Array<Promise<ConsumerParameters>> = [];
    for (const [producerId, speaker] of family?.producers ?? []) {
      const local = this.#localProducer(entry.placed, producerId);
      // Speakers hear themselves locally, not through the server.
      if (local && speaker.userId !== request.userId)
        consuming.push(this.#consume(entry, producerId, speaker.userId, local, rtpCapabilities));
    }
    return Promise.all(consuming);
  }

  async resumeConsumer(request: { userId: string; consumerId: string }): Promise<void> {
    requireRecord(request, 'request');
    const userId = requireId(request.userId, 'userId');
    const consumerId = requireId(request.consumerId, 'consumerId');
    this.assertOpen();
    const entry = this.live.consumers.get(consumerId);
    if (!entry) throw new ConsumerNotFoundError(consumerId);
    if (entry.on.caller.userId !== userId)
      throw new MediaForbiddenError(
        `Consumer ${consumerId} belongs to another user; ${userId} may only resume their own.`,
      );
    this.#requirePlaced(entry.on);
    await entry.consumer.resume();
  }

  /** Ownership is enough to close: a user who left or was moved may still free their transports. */
  closeTransport(request: { userId: string; transportId: string }): void {
    this.#owned(request).transport.close();
  }

  enforcePlacement(familyId: string, userId: string, placement: MediaPlacement | null): number {
    this.assertOpen();
    const member = this.live.memberIfAny(familyId, userId);
    if (!member) return 0;
    member.placement = placement;
    let closed = 0;
    for (const entry of [...member.transports]) {
      if (stillPlaced(entry.caller, placement ?? undefined)) continue;
      entry.transport.close();
      closed += 1;
    }
    return closed;
  }

  /** The transport's user is still where it was made, as far as the log has said. */
  #requirePlaced({ caller, placed }: PlacedTransport): void {
    requirePlaced(caller, this.live.memberIfAny(placed.familyId, caller.userId)?.placement ?? undefined);
  }

  /**
   * Creates a transport for `caller` within their limit, counting it from
   * before the await so concurrent requests cannot pass the limit together.
   * The caller's placement is where the user is from now on; one whose user
   * the log moved while it was being made is closed, not handed out.
   */
  async #create<T extends ms.WebRtcTransport | ms.PlainTransport>(
    caller: MediaCaller,
    placed: PlacedRouter,
    create: () => Promise<T>,
  ): Promise<T> {
    const member = this.live.member(placed.familyId, caller.userId);
    if (member.transports.size + member.creating >= this.maxTransportsPerUser) {
      this.live.release(placed.familyId, caller.userId);
      throw new TooManyTransportsError(caller.userId, caller.roomId, this.maxTransportsPerUser);
    }
    member.placement = { roomId: caller.roomId, role: caller.role };
    member.creating += 1;
    let transport: T;
    try {
      transport = await this.#onRouter(placed, create);
    } catch (error) {
      member.creating -= 1;
      this.live.release(placed.familyId, caller.userId);
      throw error;
    }
    member.creating -= 1;
    const entry: PlacedTransport = { transport, caller, placed };
    try {
      this.#requirePlaced(entry);
    } catch (error) {
      transport.close();
      this.live.release(placed.familyId, caller.userId);
      throw error;
    }
    this.live.addTransport(entry);
    return transport;
  }

  /** The router a caller's transport goes on: speakers on the main router, listeners packed into the room's routers. */
  #place(caller: MediaCaller): PlacedRouter {
    this.assertOpen();
    const found = this.live.routersOf(caller.roomId);
    if (!found) throw new RoomMediaNotFoundError(caller.roomId);
    if (caller.role === 'speaker') {
      if (caller.roomId !== found.family.familyId || !found.family.main) {
        throw new MediaForbiddenError(
          `Room ${caller.roomId} is an overflow room and listen-only; speakers join the main room ${found.family.familyId}.`,
        );
      }
      return found.family.main;
    }
    // Fill routers in order up to the budget, so a scale-down can close an empty one.
    return (
      found.routers.find((r) => r.listeners < this.listenersPerRouter) ??
      found.routers.reduce((a, b) => (b.listeners < a.listeners ? b : a))
    );
  }

  async #onRouter<T>(placed: PlacedRouter, create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (error) {
      if (placed.router.closed) throw new RoomMediaNotFoundError(placed.roomId);
      throw error;
    }
  }

  /** The caller's own transport, made where they still are. */
  #own(request: { userId: string; transportId: string }): PlacedTransport {
    const entry = this.#owned(request);
    this.#requirePlaced(entry);
    return entry;
  }

  #owned(request: { userId: string; transportId: string }): PlacedTransport {
    requireRecord(request, 'request');
    const userId = requireId(request.userId, 'userId');
    const transportId = requireId(request.transportId, 'transportId');
    this.assertOpen();
    const entry = this.live.transports.get(transportId);
    if (!entry) throw new TransportNotFoundError(transportId);
    if (entry.caller.userId !== userId) {
      throw new MediaForbiddenError(
        `Transport ${transportId} belongs to another user; ${userId} must create their own transport.`,
      );
    }
    return entry;
  }

  #localProducer(placed: PlacedRouter, producerId: string): ms.Producer | undefined {
    if (placed.primary) return this.live.families.get(placed.familyId)?.producers.get(producerId)?.producer;
    return placed.pipes.get(producerId);
  }

  async #consume(
    entry: PlacedTransport,
    producerId: string,
    speakerUserId: string,
    local: ms.Producer,
    rtpCapabilities: RtpCapabilities,
  ): Promise<ConsumerParameters> {
    if (!entry.placed.router.canConsume({ producerId: local.id, rtpCapabilities }))
      throw new CannotConsumeError(producerId);
    // Paused until the client has its consumer ready, so no early packets are lost to a missing decoder.
    const consumer = await entry.transport.consume({ producerId: local.id, rtpCapabilities, paused: true });
    this.live.addConsumer(consumer, entry);
    return { id: consumer.id, producerId, speakerUserId, kind: 'audio', rtpParameters: consumer.rtpParameters };
  }
}
