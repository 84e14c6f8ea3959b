// `spillway media-node`: mediasoup workers on a media host, driven by API
// nodes over the signed control channel. The node reports itself (capacity,
// liveness) by heartbeats to every API node it knows; it holds no room
// names or user ids, only the opaque ids the API hands it.
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { CapacityPlan } from '../projections/index.ts';
import { createControlClient, requireControlSecret, serveControl, type ControlServer } from './controlChannel.ts';
import { createMediasoupMediaPlane } from './mediasoupMediaPlane.ts';
import type { FamilyShare, MediaPlane, ReconcileReport } from './types.ts';
import { requireRecord } from './validation.ts';

/** Listeners a worker (one core) carries with three speakers: ≈ 2,000 consumers at 84 % of a core, measured. */
export const DEFAULT_LISTENERS_PER_WORKER = 600;

export interface MediaNodeOptions {
  readonly nodeId: string;
  readonly secret: string;
  /** The host address transports and the control server bind to. */
  readonly listenIp: string;
  /** What clients and other nodes are told, when `listenIp` is not reachable as is. */
  readonly announcedAddress?: string;
  readonly controlPort?: number;
  /** API nodes' base URLs (http://host:port): heartbeats go to every one. */
  readonly apiUrls: readonly string[];
  readonly workers?: number;
  readonly listenersPerWorker?: number;
  readonly heartbeatMs?: number;
  readonly logLevel?: 'debug' | 'warn' | 'error' | 'none';
  /** Told every verified control request this node receives, as its raw body. */
  readonly onRequest?: (op: string, body: string) => void;
  readonly onError?: (error: unknown) => void;
}

export interface RunningMediaNode {
  readonly nodeId: string;
  readonly instanceId: string;
  readonly controlUrl: string;
  readonly plane: MediaPlane;
  /** Tells the API nodes it leaves, then closes the workers; safe to call twice. */
  close(): Promise<void>;
}

/** A family share as the single-host reconciler's plan: the ingress router stands in for a remote main room. */
const toPlan = (share: FamilyShare): CapacityPlan => ({
  familyId: share.familyId,
  state: 'live',
  speakers: share.speakers,
  expectedAudience: 0,
  rooms: [
    ...(share.source === null || share.rooms.some((r) => r.roomId === share.familyId)
      ? []
      : [{ roomId: share.familyId, routers: 1 }]),
    ...share.rooms,
  ].map((r) => ({
    roomId: r.roomId,
    role: r.roomId === share.familyId ? ('main' as const) : ('overflow' as const),
    open: true,
    listeners: 0,
    capacity: 0,
    warmFor: 0,
    routers: r.routers,
  })),
});

/** A node's share as an API node sends it: the log position it was computed at, and its families. */
const requireShare = (payload: unknown): { version: bigint; families: FamilyShare[] } => {
  const { version, families } = requireRecord(payload, 'share');
  if (typeof version !== 'string' || !/^\d{1,20}$/.test(version))
    throw new TypeError(
      `share.version must be the log position it was computed at, as digits; got ${JSON.stringify(version)}`,
    );
  if (!Array.isArray(families)) throw new TypeError('share.families must be an array');
  return { version: BigInt(version), families: families as FamilyShare[] };
};

export const startMediaNode = async (options: MediaNodeOptions): Promise<RunningMediaNode> => {
  const secret = requireControlSecret(options.secret);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(options.nodeId))
    throw new TypeError(`nodeId must be 1 to 64 letters, digits, "-" or "_", got ${JSON.stringify(options.nodeId)}`);
  const workers = options.workers ?? availableParallelism();
  const plane = await createMediasoupMediaPlane({
    listenIp: options.listenIp,
    workers,
    ...(options.announcedAddress ? { announcedAddress: options.announcedAddress } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  const client = createControlClient(secret);
  const instanceId = randomUUID();
  const capacity = workers * (options.listenersPerWorker ?? DEFAULT_LISTENERS_PER_WORKER);

  const reconcileShare = async (families: FamilyShare[]): Promise<ReconcileReport & { pulled: number }> => {
    const report = await plane.reconcile(families.map(toPlan));
    let pipesClosed = report.pipesClosed;
    let pulled = 0;
    await Promise.all(
      families.map(async (share) => {
        pipesClosed += plane.keepHostPipes(share.familyId, share.receivers, share.source?.nodeId ?? null);
        const { source } = share;
        if (source === null) return;
        pulled += await plane.pullFromHost(share.familyId, source.nodeId, (offer, have) =>
          client.call(
            source.controlUrl,
            'offerPipe',
            { familyId: share.familyId, receiverId: options.nodeId, offer, have },
            2_000,
          ),
        );
      }),
    );
    return { ...report, pipesClosed, pulled };
  };

  /**
   * The log position of the newest share applied. A share computed at an
   * older one is refused: it was superseded (sent before a link went down and
   * delivered after it came back, or by an API node whose read models lag),
   * and applying it would undo what the newer one made.
   */
  let applied = -1n;
  const applyShare = (share: { version: bigint; families: FamilyShare[] }) => {
    if (share.version < applied) return Promise.resolve({ stale: true, applied: String(applied) });
    applied = share.version;
    return reconcileShare(share.families);
  };

  const handle = async (op: string, payload: unknown): Promise<unknown> => {
    const p = requireRecord(payload, 'payload');
    switch (op) {
      case 'reconcile':
        return applyShare(requireShare(p));
      case 'offerPipe':
        return plane.offerHostPipe(p as never);
      case 'inventory':
        return plane.inventory();
      case 'routerRtpCapabilities':
        return plane.routerRtpCapabilities(p.roomId as string);
      case 'createWebRtcTransport':
        return plane.createWebRtcTransport(p.caller as never);
      case 'createPlainRtpTransport':
        return plane.createPlainRtpTransport(p.caller as never, p.remote as never);
      case 'connectTransport':
        return plane.connectTransport(p as never).then(() => true);
      case 'produce':
        return plane.produce(p as never);
      case 'consume':
        return plane.consume(p as never);
      case 'consumeSpeakers':
        return plane.consumeSpeakers(p as never);
      case 'resumeConsumer':
        return plane.resumeConsumer(p as never).then(() => true);
      case 'enforcePlacement':
        return plane.enforcePlacement(p.familyId as string, p.userId as string, null);
      case 'closeTransport':
        plane.closeTransport(p as never);
        return true;
      default:
        throw new TypeError(`unknown control operation ${JSON.stringify(op)}`);
    }
  };

  let server: ControlServer;
  try {
    server = await serveControl({
      host: options.listenIp,
      port: options.controlPort ?? 0,
      secret,
      handle,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });
  } catch (error) {
    plane.close();
    throw error;
  }
  const controlUrl = options.announcedAddress
    ? server.url.replace(
        /\/\/[^/]+:/,
        `//${options.announcedAddress.includes(':') ? `[${options.announcedAddress}]` : options.announcedAddress}:`,
      )
    : server.url;
  const profile = {
    nodeId: options.nodeId,
    instanceId,
    controlUrl,
    announcedAddress: options.announcedAddress ?? options.listenIp,
    workers,
    capacity,
  };
  const rtpCapabilities = await scratchCapabilities(plane);
  const heartbeat = (): void => {
    const inventory = plane.closed ? undefined : plane.inventory();
    const load = inventory?.rooms.reduce((n, r) => n + r.routers.reduce((m, x) => m + x.listeners, 0), 0) ?? 0;
    for (const url of options.apiUrls) {
      client
        .call(url, 'mediaNodeHeartbeat', { ...profile, rtpCapabilities, listeners: load }, 1_000)
        .catch((error: unknown) => options.onError?.(error));
    }
  };
  heartbeat();
  const timer = setInterval(heartbeat, options.heartbeatMs ?? 500);
  // A worker died: its routers are made again, but their clients' transports are gone; the API tells them.
  plane.observer.on('routersLost', ({ reason, rooms }) => {
    if (reason !== 'workerDied') return;
    for (const url of options.apiUrls)
      client
        .call(url, 'mediaRoomsLost', { nodeId: options.nodeId, instanceId, rooms }, 2_000)
        .catch((error: unknown) => options.onError?.(error));
  });
  let closing: Promise<void> | undefined;
  return {
    nodeId: options.nodeId,
    instanceId,
    controlUrl,
    plane,
    close: () =>
      (closing ??= (async () => {
        clearInterval(timer);
        await Promise.allSettled(
          options.apiUrls.map((url) =>
            client.call(url, 'mediaNodeLeft', { nodeId: options.nodeId, instanceId }, 1_000),
          ),
        );
        await server.close();
        plane.close();
      })()),
  };
};

/** A router's RTP capabilities, from a family that exists only for the asking, closed at once. */
const scratchCapabilities = async (plane: MediaPlane): Promise<unknown> => {
  const probe = `probe-${randomUUID()}`;
  await plane.reconcile([
    toPlan({ familyId: probe, speakers: [], rooms: [{ roomId: probe, routers: 1 }], source: null, receivers: [] }),
  ]);
  const capabilities = plane.routerRtpCapabilities(probe);
  await plane.reconcile([]);
  return capabilities;
};
