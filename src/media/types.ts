import type { EventEmitter } from 'node:events';
import type { types as ms } from 'mediasoup';
import type { CapacityPlan } from '../projections/index.ts';

// The WebRTC wire shapes are mediasoup's (mediasoup-client speaks them); the
// port re-exports them so callers never import the vendor package.
export type RtpCapabilities = ms.RtpCapabilities;
export type RtpParameters = ms.RtpParameters;
export type DtlsParameters = ms.DtlsParameters;
export type IceParameters = ms.IceParameters;
export type IceCandidate = ms.IceCandidate;
export type MediaKind = 'audio';

/** Who a transport belongs to, as the API established it; every later call is authorized against it. */
export interface MediaCaller {
  readonly userId: string;
  /** The room (main or overflow) the caller was placed in. */
  readonly roomId: string;
  readonly role: 'speaker' | 'listener';
}

/** Where a member of a room family is now, as the read models hold it. */
export interface MediaPlacement {
  /** The room (main or overflow) they are seated in, or on the stage of. */
  readonly roomId: string;
  readonly role: 'listener' | 'speaker';
}

export interface WebRtcTransportParameters {
  readonly id: string;
  readonly iceParameters: IceParameters;
  readonly iceCandidates: readonly IceCandidate[];
  readonly dtlsParameters: DtlsParameters;
}

/** Plain RTP for gateways (ffmpeg, SIP) and load tests: no ICE, no DTLS. */
export interface PlainRtpTransportParameters {
  readonly id: string;
  readonly ip: string;
  readonly port: number;
}

export interface ConsumerParameters {
  readonly id: string;
  /** The speaker's producer id in the main room; the same in every room of the family. */
  readonly producerId: string;
  readonly speakerUserId: string;
  readonly kind: MediaKind;
  readonly rtpParameters: RtpParameters;
}

/** What one reconcile did; all zeros means actual already matched desired. */
export interface ReconcileReport {
  readonly routersCreated: number;
  readonly routersClosed: number;
  readonly pipesCreated: number;
  readonly pipesClosed: number;
  /** Producers of users no longer on stage in the plan. */
  readonly producersClosed: number;
}

export interface LostRoom {
  readonly familyId: string;
  readonly roomId: string;
}

export interface RoutersLost {
  /** `workerDied`: its process exited; `scaledDown`: the plan needs fewer routers and listeners were on one. */
  readonly reason: 'workerDied' | 'scaledDown';
  /** Rooms whose clients must create new transports (one entry per room, even if it lost several routers). */
  readonly rooms: readonly LostRoom[];
}

export type MediaPlaneEvents = {
  routersLost: [RoutersLost];
  workerReplaced: [{ diedPid: number; newPid: number }];
  reconciled: [ReconcileReport];
  /** A reconcile run by the plane itself (after a worker died) failed; the next `reconcile` retries. */
  reconcileFailed: [Error];
};

/** Live media, for metrics and operators. */
export interface MediaInventory {
  readonly workers: ReadonlyArray<{ readonly pid: number; readonly routers: number }>;
  readonly rooms: ReadonlyArray<{
    readonly familyId: string;
    readonly roomId: string;
    readonly routers: ReadonlyArray<{
      readonly id: string;
      readonly workerPid: number;
      readonly listeners: number;
      readonly pipes: number;
    }>;
  }>;
}

/** The signaling a client needs to join a room's audio; the API exposes these as mutations. */
export interface MediaSignaling {
  routerRtpCapabilities(roomId: string): RtpCapabilities;
  createWebRtcTransport(caller: MediaCaller): Promise<WebRtcTransportParameters>;
  /** Speakers: RTP is accepted from wherever the first packet comes. Listeners: RTP is sent to `remote`. */
  createPlainRtpTransport(
    caller: MediaCaller,
    remote?: { ip: string; port: number },
  ): Promise<PlainRtpTransportParameters>;
  connectTransport(request: { userId: string; transportId: string; dtlsParameters: DtlsParameters }): Promise<void>;
  produce(request: {
    userId: string;
    transportId: string;
    kind: MediaKind;
    rtpParameters: RtpParameters;
  }): Promise<{ producerId: string }>;
  consume(request: {
    userId: string;
    transportId: string;
    producerId: string;
    rtpCapabilities: RtpCapabilities;
  }): Promise<ConsumerParameters>;
  /** One consumer per speaker producing in the caller's family, as piped to the caller's router. */
  consumeSpeakers(request: {
    userId: string;
    transportId: string;
    rtpCapabilities: RtpCapabilities;
  }): Promise<ConsumerParameters[]>;
  resumeConsumer(request: { userId: string; consumerId: string }): Promise<void>;
  closeTransport(request: { userId: string; transportId: string }): void;
  /**
   * Tells the plane where `userId` is in family `familyId` now (null: not
   * in it, or off the stage and not yet seated), as a batch of the log says:
   * their transports made for anywhere else close at once; returns how
   * many. A reactor calls it after every batch; a user holding no media is
   * not tracked, so a surge of joins costs a map lookup each.
   */
  enforcePlacement(familyId: string, userId: string, placement: MediaPlacement | null): number;
}

/** The media port: desired state in (`reconcile`), signaling for clients, events out. */
export interface MediaPlane extends MediaSignaling {
  readonly observer: EventEmitter<MediaPlaneEvents>;
  readonly closed: boolean;
  /** Makes live routers and pipes match `plans`, the complete desired state: families absent from it are closed. */
  reconcile(plans: readonly CapacityPlan[]): Promise<ReconcileReport>;
  inventory(): MediaInventory;
  /** Closes every worker and so everything; safe to call twice. */
  close(): void;
}

export interface MediasoupMediaPlaneOptions {
  /** Worker processes; default one per core. */
  readonly workers?: number;
  /** IP the transports bind to, e.g. 127.0.0.1 in tests or 0.0.0.0 behind NAT. */
  readonly listenIp: string;
  /** Address handed to clients in ICE candidates when `listenIp` is not reachable as is. */
  readonly announcedAddress?: string;
  /** Listeners one router serves before the room gets another; match the capacity plan's figure. Default: the domain's LISTENERS_PER_ROUTER. */
  readonly listenersPerRouter?: number;
  readonly logLevel?: 'debug' | 'warn' | 'error' | 'none';
  /** Transports one user may hold in one room family. Default 4. */
  readonly maxTransportsPerUser?: number;
}
