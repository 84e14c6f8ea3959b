// The API side of media on other hosts: the same signaling a client uses
// with embedded media, relayed to the node that carries the caller's room
// over the signed control channel, in opaque ids. Handles given to clients
// (transport and consumer ids) name the node and the room token, so any API
// node can relay a client's next request without shared state.
import type { ControlClient } from './controlChannel.ts';
import { RoomMediaNotFoundError, TransportNotFoundError, ConsumerNotFoundError } from './errors.ts';
import { stillPlaced } from './membership.ts';
import type { OpaqueIds } from './opaqueIds.ts';
import type {
  ConsumerParameters,
  DtlsParameters,
  MediaCaller,
  MediaKind,
  MediaPlacement,
  MediaSignaling,
  PlainRtpTransportParameters,
  RtpCapabilities,
  RtpParameters,
  WebRtcTransportParameters,
} from './types.ts';
import { requireCaller, requireId, requireRecord } from './validation.ts';

export interface RemoteNode {
  readonly nodeId: string;
  readonly controlUrl: string;
}

export interface RemoteMediaOptions {
  readonly client: ControlClient;
  readonly ids: OpaqueIds;
  /**
   * The live node carrying a room (main or overflow), by the room's real id;
   * given a caller, the node of the router that serves them (a room's routers
   * may span nodes).
   */
  readonly nodeOf: (roomId: string, caller?: MediaCaller) => RemoteNode | undefined;
  readonly node: (nodeId: string) => RemoteNode | undefined;
  /** A node's router RTP capabilities, as its heartbeats report them. */
  readonly capabilitiesOf: (nodeId: string) => RtpCapabilities | undefined;
  /** The family's main room and its speakers' user ids, to name who a consumer carries. */
  readonly speakersOf: (roomId: string) => { familyId: string; speakers: readonly string[] } | undefined;
  /** Told after a speaker produced: the family's other nodes should pull it now. */
  readonly onProduced?: () => void;
}

interface Handle {
  readonly node: RemoteNode;
  readonly roomToken: string;
  readonly id: string;
}

export const createRemoteMedia = (options: RemoteMediaOptions): MediaSignaling => {
  const { client, ids } = options;
  const handle = (node: RemoteNode, roomToken: string, id: string) => `${node.nodeId}.${roomToken}.${id}`;
  const parse = (value: unknown, field: string, missing: (id: string) => Error): Handle => {
    const text = requireId(value, field);
    const [nodeId, roomToken, id, ...rest] = text.split('.');
    const node = nodeId === undefined ? undefined : options.node(nodeId);
    if (!node || roomToken === undefined || id === undefined || rest.length > 0) throw missing(text);
    return { node, roomToken, id };
  };
  const transportOf = (value: unknown) => parse(value, 'transportId', (id) => new TransportNotFoundError(id));
  const hostOf = (roomId: string, caller?: MediaCaller): RemoteNode => {
    const node = options.nodeOf(roomId, caller);
    if (!node) throw new RoomMediaNotFoundError(roomId);
    return node;
  };
  const participant = (h: Handle, userId: unknown): string => {
    const roomId = ids.roomOf(h.roomToken);
    return roomId === undefined ? `unknown-${h.roomToken}` : ids.participant(roomId, requireId(userId, 'userId'));
  };
  const opaqueCaller = (caller: MediaCaller) => ({
    userId: ids.participant(caller.roomId, caller.userId),
    roomId: ids.room(caller.roomId),
    role: caller.role,
  });
  const speakerNames = (roomToken: string): Map<string, string> => {
    const roomId = ids.roomOf(roomToken);
    const family = roomId === undefined ? undefined : options.speakersOf(roomId);
    return new Map(family?.speakers.map((userId) => [ids.participant(family.familyId, userId), userId]) ?? []);
  };
  /**
   * Where this API node made transports for a user: family → user → the
   * callers it made them as, with their node. The media node knows the user
   * only by a per-room id, so a placement change is relayed from here, for
   * the rooms the user holds media in; a user holding none costs a lookup.
   */
  const held = new Map<string, Map<string, Map<string, { caller: MediaCaller; node: RemoteNode }>>>();
  const hold = (familyId: string, caller: MediaCaller, node: RemoteNode): void => {
    const users = held.get(familyId) ?? new Map<string, Map<string, { caller: MediaCaller; node: RemoteNode }>>();
    const rooms = users.get(caller.userId) ?? new Map<string, { caller: MediaCaller; node: RemoteNode }>();
    rooms.set(`${node.nodeId} ${caller.roomId} ${caller.role}`, { caller, node });
    users.set(caller.userId, rooms);
    held.set(familyId, users);
  };
  const made = (caller: MediaCaller, node: RemoteNode): void => {
    const family = options.speakersOf(caller.roomId)?.familyId;
    if (family !== undefined) hold(family, caller, node);
  };

  const named = (h: Handle, consumer: ConsumerParameters, names: Map<string, string>): ConsumerParameters => ({
    ...consumer,
    id: handle(h.node, h.roomToken, consumer.id),
    speakerUserId: names.get(consumer.speakerUserId) ?? consumer.speakerUserId,
  });

  return {
    routerRtpCapabilities(roomId: string): RtpCapabilities {
      const node = hostOf(requireId(roomId, 'roomId'));
      const capabilities = options.capabilitiesOf(node.nodeId);
      if (!capabilities) throw new RoomMediaNotFoundError(roomId);
      return capabilities;
    },

    async createWebRtcTransport(caller: MediaCaller): Promise<WebRtcTransportParameters> {
      const node = hostOf(requireCaller(caller).roomId, caller);
      const token = ids.room(caller.roomId);
      const transport = await client.call<WebRtcTransportParameters>(node.controlUrl, 'createWebRtcTransport', {
        caller: opaqueCaller(caller),
      });
      made(caller, node);
      return { ...transport, id: handle(node, token, transport.id) };
    },

    async createPlainRtpTransport(
      caller: MediaCaller,
      remote?: { ip: string; port: number },
    ): Promise<PlainRtpTransportParameters> {
      const node = hostOf(requireCaller(caller).roomId, caller);
      const token = ids.room(caller.roomId);
      const transport = await client.call<PlainRtpTransportParameters>(node.controlUrl, 'createPlainRtpTransport', {
        caller: opaqueCaller(caller),
        ...(remote === undefined ? {} : { remote }),
      });
      made(caller, node);
      return { ...transport, id: handle(node, token, transport.id) };
    },

    async connectTransport(request: { userId: string; transportId: string; dtlsParameters: DtlsParameters }) {
      const h = transportOf(requireRecord(request, 'request').transportId);
      await client.call(h.node.controlUrl, 'connectTransport', {
        userId: participant(h, request.userId),
        transportId: h.id,
        dtlsParameters: request.dtlsParameters,
      });
    },

    async produce(request: { userId: string; transportId: string; kind: MediaKind; rtpParameters: RtpParameters }) {
      const h = transportOf(requireRecord(request, 'request').transportId);
      const produced = await client.call<{ producerId: string }>(h.node.controlUrl, 'produce', {
        userId: participant(h, request.userId),
        transportId: h.id,
        kind: request.kind,
        rtpParameters: request.rtpParameters,
      });
      options.onProduced?.();
      return produced;
    },

    async consume(request: {
      userId: string;
      transportId: string;
      producerId: string;
      rtpCapabilities: RtpCapabilities;
    }): Promise<ConsumerParameters> {
      const h = transportOf(requireRecord(request, 'request').transportId);
      const consumer = await client.call<ConsumerParameters>(h.node.controlUrl, 'consume', {
        userId: participant(h, request.userId),
        transportId: h.id,
        producerId: request.producerId,
        rtpCapabilities: request.rtpCapabilities,
      });
      return named(h, consumer, speakerNames(h.roomToken));
    },

    async consumeSpeakers(request: { userId: string; transportId: string; rtpCapabilities: RtpCapabilities }) {
      const h = transportOf(requireRecord(request, 'request').transportId);
      const consumers = await client.call<ConsumerParameters[]>(h.node.controlUrl, 'consumeSpeakers', {
        userId: participant(h, request.userId),
        transportId: h.id,
        rtpCapabilities: request.rtpCapabilities,
      });
      const names = speakerNames(h.roomToken);
      return consumers.map((c) => named(h, c, names));
    },

    async resumeConsumer(request: { userId: string; consumerId: string }) {
      const h = parse(
        requireRecord(request, 'request').consumerId,
        'consumerId',
        (id) => new ConsumerNotFoundError(id),
      );
      await client.call(h.node.controlUrl, 'resumeConsumer', {
        userId: participant(h, request.userId),
        consumerId: h.id,
      });
    },

    /** Tells each node where the user holds media made for elsewhere that it is void; returns how many it told. */
    enforcePlacement(familyId: string, userId: string, placement: MediaPlacement | null): number {
      const rooms = held.get(familyId)?.get(userId);
      if (!rooms) return 0;
      let told = 0;
      for (const [key, { caller, node }] of [...rooms]) {
        if (stillPlaced(caller, placement ?? undefined)) continue;
        rooms.delete(key);
        told += 1;
        void client
          .call(node.controlUrl, 'enforcePlacement', {
            familyId: ids.room(familyId),
            userId: ids.participant(caller.roomId, userId),
            placement: null,
          })
          .catch(() => undefined);
      }
      if (rooms.size === 0) held.get(familyId)?.delete(userId);
      return told;
    },

    closeTransport(request: { userId: string; transportId: string }): void {
      const h = transportOf(requireRecord(request, 'request').transportId);
      void client
        .call(h.node.controlUrl, 'closeTransport', { userId: participant(h, request.userId), transportId: h.id })
        .catch(() => undefined);
    },
  };
};
