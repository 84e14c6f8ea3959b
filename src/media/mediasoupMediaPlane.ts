import { EventEmitter } from 'node:events';
import type { types as ms } from 'mediasoup';
import { LISTENERS_PER_ROUTER } from '../domain/index.ts';
import type { CapacityPlan } from '../projections/index.ts';
import { MediaPlaneClosedError } from './errors.ts';
import { LiveMedia, type FamilyMedia, type PlacedRouter } from './liveMedia.ts';
import { pipeSpeakers, reconcile } from './reconciler.ts';
import { MediasoupSignaling } from './signaling.ts';
import type {
  LostRoom,
  MediaInventory,
  MediaPlane,
  MediaPlaneEvents,
  MediasoupMediaPlaneOptions,
  ReconcileReport,
} from './types.ts';
import { requirePlans, requireRecord } from './validation.ts';
import { WorkerPool, type PooledWorker } from './workerPool.ts';

const DEFAULT_MAX_TRANSPORTS_PER_USER = 4;

/** Starts the workers and returns a media plane with no rooms; `reconcile` creates them. */
export const createMediasoupMediaPlane = async (options: MediasoupMediaPlaneOptions): Promise<MediaPlane> => {
  requireRecord(options, 'options');
  if (typeof options.listenIp !== 'string' || options.listenIp === '')
    throw new TypeError('options.listenIp must be an IP address such as 127.0.0.1');
  const perRouter = options.listenersPerRouter ?? LISTENERS_PER_ROUTER;
  if (!Number.isInteger(perRouter) || perRouter < 1)
    throw new TypeError(`options.listenersPerRouter must be a positive integer, got ${String(perRouter)}`);
  const maxTransports = options.maxTransportsPerUser ?? DEFAULT_MAX_TRANSPORTS_PER_USER;
  if (!Number.isInteger(maxTransports) || maxTransports < 1)
    throw new TypeError(`options.maxTransportsPerUser must be a positive integer, got ${String(maxTransports)}`);
  const plane = new MediasoupMediaPlane(options, perRouter, maxTransports);
  await plane.start(options);
  return plane;
};

class MediasoupMediaPlane extends MediasoupSignaling implements MediaPlane {
  readonly observer = new EventEmitter<MediaPlaneEvents>();
  protected readonly listenInfo: ms.TransportListenInfo;
  protected readonly listenersPerRouter: number;
  protected readonly maxTransportsPerUser: number;
  #pool: WorkerPool | undefined;
  #live: LiveMedia | undefined;
  #closed = false;
  #plans: readonly CapacityPlan[] = [];
  /** Every change to routers and pipes runs here, one at a time, so two runs never create the same pipe twice. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Rooms whose routers a worker took down, gathered until the worker's `died` arrives. */
  readonly #lost = new Map<number, LostRoom[]>();

  constructor(options: MediasoupMediaPlaneOptions, listenersPerRouter: number, maxTransportsPerUser: number) {
    super();
    this.maxTransportsPerUser = maxTransportsPerUser;
    this.listenInfo = {
      protocol: 'udp',
      ip: options.listenIp,
      ...(options.announcedAddress === undefined ? {} : { announcedAddress: options.announcedAddress }),
    };
    this.listenersPerRouter = listenersPerRouter;
  }

  async start(options: MediasoupMediaPlaneOptions): Promise<void> {
    this.#pool = await WorkerPool.start({
      ...(options.workers === undefined ? {} : { size: options.workers }),
      logLevel: options.logLevel ?? 'warn',
      onDied: (dead) => this.#workerDied(dead),
    });
    this.#live = new LiveMedia(this.#pool, (placed) => this.#routerLost(placed));
  }

  protected get live(): LiveMedia {
    if (!this.#live) throw new MediaPlaneClosedError();
    return this.#live;
  }

  get closed(): boolean {
    return this.#closed;
  }

  protected assertOpen(): void {
    if (this.#closed) throw new MediaPlaneClosedError();
  }

  async reconcile(plans: readonly CapacityPlan[]): Promise<ReconcileReport> {
    requirePlans(plans);
    this.assertOpen();
    this.#plans = plans;
    return this.#serially(() => this.#reconcileNow());
  }

  inventory(): MediaInventory {
    this.assertOpen();
    return this.live.inventory();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pool?.close();
    this.live.families.clear();
    this.observer.removeAllListeners();
  }

  protected async speakerStarted(family: FamilyMedia): Promise<void> {
    await this.#serially(() => pipeSpeakers(this.live, family, this.listenInfo));
  }

  async #reconcileNow(): Promise<ReconcileReport> {
    this.assertOpen();
    const { scaledDown, ...report } = await reconcile(this.live, this.#plans, this.listenInfo);
    if (scaledDown.length > 0) this.observer.emit('routersLost', { reason: 'scaledDown', rooms: scaledDown });
    this.observer.emit('reconciled', report);
    return report;
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #routerLost(placed: PlacedRouter): void {
    const rooms = this.#lost.get(placed.worker.pid) ?? [];
    if (!rooms.some((r) => r.roomId === placed.roomId))
      rooms.push({ familyId: placed.familyId, roomId: placed.roomId });
    this.#lost.set(placed.worker.pid, rooms);
  }

  /** Tells clients first (they reconnect while we rebuild), then restores the pool and the plan. */
  #workerDied(dead: PooledWorker): void {
    const rooms = this.#lost.get(dead.pid) ?? [];
    this.#lost.delete(dead.pid);
    if (rooms.length > 0) this.observer.emit('routersLost', { reason: 'workerDied', rooms });
    this.#serially(async () => {
      const pool = this.#pool;
      if (this.#closed || !pool) return;
      const [fresh] = await pool.replaceDead();
      if (fresh) this.observer.emit('workerReplaced', { diedPid: dead.pid, newPid: fresh.pid });
      await this.#reconcileNow();
    }).catch((error: unknown) => {
      if (!this.#closed)
        this.observer.emit('reconcileFailed', error instanceof Error ? error : new Error(String(error)));
    });
  }
}
