import type { types as ms } from 'mediasoup';
import type { MediaCaller, MediaInventory, MediaPlacement } from './types.ts';
import type { PooledWorker, WorkerPool } from './workerPool.ts';

/** Opus only: the plane carries voice, and one codec means no transcoding question ever arises. */
export const MEDIA_CODECS: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 111 },
];

export interface PlacedRouter {
  readonly router: ms.Router;
  readonly worker: PooledWorker;
  readonly familyId: string;
  readonly roomId: string;
  /** The family's main router: speakers produce here and every other router is fed from it. */
  readonly primary: boolean;
  listeners: number;
  /** Pipe producers on this router, keyed by the speaker's producer id in the main router. */
  readonly pipes: Map<string, ms.Producer>;
}

export interface SpeakerProducer {
  readonly producer: ms.Producer;
  readonly userId: string;
}

export interface FamilyMedia {
  readonly familyId: string;
  main: PlacedRouter | undefined;
  /** Every open router of the family by room, the main router included under the family's own id. */
  readonly rooms: Map<string, PlacedRouter[]>;
  readonly producers: Map<string, SpeakerProducer>;
  /** Who the last reconciled plan put on stage; only they may produce. */
  speakers: ReadonlySet<string>;
}

export interface PlacedTransport {
  readonly transport: ms.WebRtcTransport | ms.PlainTransport;
  readonly caller: MediaCaller;
  readonly placed: PlacedRouter;
}

/** A listener's consumer, with the transport (and so the caller) it was made on. */
export interface PlacedConsumer {
  readonly consumer: ms.Consumer;
  readonly on: PlacedTransport;
}

/** One user's media in one room family, and where the log says they are now. */
export interface MemberMedia {
  /** Where they are: told at each transport's creation, then by every batch of the log that moves them. */
  placement: MediaPlacement | null;
  readonly transports: Set<PlacedTransport>;
  /** Transports being created: counted against the per-user limit before they exist. */
  creating: number;
}

const memberKey = (familyId: string, userId: string): string => `${familyId}\n${userId}`;

/**
 * The actual state: live mediasoup objects indexed the way the reconciler and
 * signaling look them up. Entries remove themselves when mediasoup reports a
 * close, whatever caused it (us, a peer object, or a dead worker).
 */
export class LiveMedia {
  readonly families = new Map<string, FamilyMedia>();
  readonly transports = new Map<string, PlacedTransport>();
  readonly consumers = new Map<string, PlacedConsumer>();
  /** Users holding (or creating) transports, per family: what the per-user limit counts and a move closes. */
  readonly #members = new Map<string, MemberMedia>();

  constructor(
    private readonly pool: WorkerPool,
    /** Told when a router closed because its worker did, before the worker's `died`. */
    private readonly onRouterLost: (placed: PlacedRouter) => void,
  ) {}

  family(familyId: string): FamilyMedia {
    let family = this.families.get(familyId);
    if (!family) {
      family = { familyId, main: undefined, rooms: new Map(), producers: new Map(), speakers: new Set() };
      this.families.set(familyId, family);
    }
    return family;
  }

  /** Finds the family and routers of a room by its id (main or overflow). */
  routersOf(roomId: string): { family: FamilyMedia; routers: PlacedRouter[] } | undefined {
    for (const family of this.families.values()) {
      const routers = family.rooms.get(roomId);
      if (routers && routers.length > 0) return { family, routers };
    }
    return undefined;
  }

  /** Creates a router on the least-loaded worker. The load is counted before the await, so concurrent opens spread out. */
  async openRouter(family: FamilyMedia, roomId: string, primary: boolean): Promise<PlacedRouter> {
    const worker = this.pool.leastLoaded();
    worker.routers += 1;
    let router: ms.Router;
    try {
      router = await worker.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    } catch (error) {
      worker.routers -= 1;
      throw error;
    }
    const placed: PlacedRouter = {
      router,
      worker,
      familyId: family.familyId,
      roomId,
      primary,
      listeners: 0,
      pipes: new Map(),
    };
    const list = family.rooms.get(roomId) ?? [];
    list.push(placed);
    family.rooms.set(roomId, list);
    if (primary) family.main = placed;
    router.on('workerclose', () => this.onRouterLost(placed));
    router.observer.on('close', () => {
      worker.routers -= 1;
      const routers = family.rooms.get(roomId)?.filter((r) => r !== placed) ?? [];
      if (routers.length > 0) family.rooms.set(roomId, routers);
      else family.rooms.delete(roomId);
      if (family.main === placed) family.main = undefined;
    });
    return placed;
  }

  /** Pipes a speaker's producer from the main router into `target`; resolves false when either side closed meanwhile. */
  async pipe(
    family: FamilyMedia,
    producerId: string,
    target: PlacedRouter,
    listenInfo: ms.TransportListenInfo,
  ): Promise<boolean> {
    const main = family.main;
    const speaker = family.producers.get(producerId);
    if (!main || !speaker || target.router.closed) return false;
    try {
      const { pipeProducer } = await main.router.pipeToRouter({
        producerId,
        router: target.router,
        keepId: false,
        listenInfo,
      });
      if (!pipeProducer) return false;
      target.pipes.set(producerId, pipeProducer);
      pipeProducer.observer.on('close', () => {
        if (target.pipes.get(producerId) === pipeProducer) target.pipes.delete(producerId);
      });
      return true;
    } catch (error) {
      // A speaker leaving or a router closing mid-pipe is normal churn, not a failure.
      if (speaker.producer.closed || main.router.closed || target.router.closed) return false;
      throw error;
    }
  }

  addProducer(family: FamilyMedia, producer: ms.Producer, userId: string): void {
    family.producers.set(producer.id, { producer, userId });
    producer.observer.on('close', () => family.producers.delete(producer.id));
  }

  addTransport(entry: PlacedTransport): void {
    const { transport, placed } = entry;
    this.transports.set(transport.id, entry);
    const member = this.member(placed.familyId, entry.caller.userId);
    member.transports.add(entry);
    if (entry.caller.role === 'listener') placed.listeners += 1;
    // Both transport kinds share the base observer's `close`; the union of their maps hides that from TypeScript.
    const observer: ms.Transport['observer'] = transport.observer;
    observer.on('close', () => {
      this.transports.delete(transport.id);
      member.transports.delete(entry);
      this.release(placed.familyId, entry.caller.userId);
      if (entry.caller.role === 'listener') placed.listeners -= 1;
    });
  }

  /** `userId`'s media in family `familyId`, tracked from now on until they hold none. */
  member(familyId: string, userId: string): MemberMedia {
    const key = memberKey(familyId, userId);
    let member = this.#members.get(key);
    if (!member) this.#members.set(key, (member = { placement: null, transports: new Set(), creating: 0 }));
    return member;
  }

  /** `userId`'s media in family `familyId`, if they hold or are creating any. */
  memberIfAny(familyId: string, userId: string): MemberMedia | undefined {
    return this.#members.get(memberKey(familyId, userId));
  }

  /** Stops tracking a member who holds nothing and is creating nothing. */
  release(familyId: string, userId: string): void {
    const key = memberKey(familyId, userId);
    const member = this.#members.get(key);
    if (member && member.transports.size === 0 && member.creating === 0) this.#members.delete(key);
  }

  addConsumer(consumer: ms.Consumer, on: PlacedTransport): void {
    this.consumers.set(consumer.id, { consumer, on });
    consumer.observer.on('close', () => this.consumers.delete(consumer.id));
  }

  inventory(): MediaInventory {
    return {
      workers: this.pool.workers.map((w) => ({ pid: w.pid, routers: w.routers })),
      rooms: [...this.families.values()].flatMap((family) =>
        [...family.rooms].map(([roomId, routers]) => ({
          familyId: family.familyId,
          roomId,
          routers: routers.map((r) => ({
            id: r.router.id,
            workerPid: r.worker.pid,
            listeners: r.listeners,
            pipes: r.pipes.size,
          })),
        })),
      ),
    };
  }
}
