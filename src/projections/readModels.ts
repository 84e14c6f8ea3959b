import { availableParallelism } from 'node:os';
import { roomStreamId } from '../domain/index.ts';
import { StreamNotFoundError, type EventStore, type RecordedEvent } from '../eventstore/index.ts';
import { createProjections } from './catalog.ts';
import { openDocumentStore } from './documentStore.ts';
import { createParallelRebuild } from './parallelRebuild.ts';
import {
  summaryKey,
  toMinutes,
  type MinuteBucket,
  type RoomAnalytics,
  type SecondBucket,
} from './readModels/analytics.ts';
import type { CapacityPlan } from './readModels/capacityPlan.ts';
import { detailKey, type DirectoryEntry, type RoomDetail } from './readModels/rooms.ts';
import { roomAsOf, type Moment } from './roomAsOf.ts';
import { createRoomFeed } from './roomFeed.ts';
import { querySchedule } from './readModels/schedule.ts';
import { queryMediaCluster } from './readModels/mediaCluster.ts';
import { createQueueLines, queueStanding, type QueueStanding } from './readModels/waitingRoom.ts';
import { familyRootOf } from '../domain/index.ts';
import { createProjectionRunner, DEFAULT_BATCH_SIZE, type RebuildProgress } from './runner.ts';

export interface ReadModelsOptions {
  readonly store: EventStore;
  /** The SQLite file of the read models (not the log's). */
  readonly path: string;
  readonly consumersPerRouter?: number;
  readonly coalesceMs?: number;
  readonly batchSize?: number;
  /** Told of every committed batch, after the live feed. */
  readonly onBatch?: (events: readonly RecordedEvent[]) => void;
  /**
   * The log's SQLite file, when the log is one: rebuilds then fold the
   * streams in worker threads, each on its own connection.
   */
  readonly eventsFile?: string;
  /** Worker threads for a rebuild (with `eventsFile`). Default: the cores, at most 4; 1 rebuilds in this thread. */
  readonly rebuildWorkers?: number;
}

/** Events after which a queued listener's standing may have changed. */
const QUEUE_EVENTS: ReadonlySet<string> = new Set([
  'ListenerQueued',
  'ListenerAdmittedFromQueue',
  'ListenerLeftQueue',
  'ListenerAdmitted',
  'ListenerRedirectedToOverflow',
  'RoomEnded',
]);

/** Every read model of Spillway, kept by one runner, with typed queries. */
export const createReadModels = (options: ReadModelsOptions) => {
  const documents = openDocumentStore(options.path);
  const catalog = { consumersPerRouter: options.consumersPerRouter };
  const projections = createProjections(catalog);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const workers = options.rebuildWorkers ?? Math.min(availableParallelism(), 4);
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`rebuildWorkers must be a whole number of at least 1; got ${workers}.`);
  }
  let readDetail: (roomId: string) => RoomDetail | undefined = () => undefined;
  /** Told, after each committed batch, of the families whose queue it changed. */
  const queueWatchers = new Map<string, Set<() => void>>();
  const tellQueueWatchers = (events: readonly RecordedEvent[]): void => {
    if (queueWatchers.size === 0) return;
    const changed = new Set<string>();
    for (const event of events) {
      if (!QUEUE_EVENTS.has(event.type)) continue;
      const family = familyRootOf((event.data as { roomId: string }).roomId);
      if (queueWatchers.has(family)) changed.add(family);
    }
    for (const family of changed) for (const watcher of [...(queueWatchers.get(family) ?? [])]) watcher();
  };
  const feed = createRoomFeed({ readDetail: (roomId) => readDetail(roomId), coalesceMs: options.coalesceMs });
  const runner = createProjectionRunner({
    store: options.store,
    documents,
    projections,
    batchSize,
    bulkRebuild:
      options.eventsFile !== undefined && options.path !== ':memory:' && workers > 1
        ? createParallelRebuild({
            eventsFile: options.eventsFile,
            documentsFile: options.path,
            workers,
            batchSize,
            catalog,
          })
        : undefined,
    onBatch: (events) => {
      // The lines first: a watcher told of a change reads its position from them.
      lines.apply(events);
      feed.onBatch(events);
      tellQueueWatchers(events);
      options.onBatch?.(events);
    },
  });
  readDetail = (roomId) => runner.read<RoomDetail>('rooms', detailKey(roomId));
  const waitingReads = {
    read: <Doc>(projection: string, key: string) => runner.read<Doc>(projection, key),
    list: <Doc>(projection: string, after: string, before: string, limit: number) =>
      runner.list<Doc>(projection, after, before, limit),
    generation: (projection: string) => documents.active(projection)?.generation,
  };
  const lines = createQueueLines(waitingReads);

  return {
    runner,
    feed,
    /** The read models' names, in the order they are kept. */
    names: projections.map((p) => p.name),
    start: (onError?: (error: unknown) => void) => runner.start(onError),
    async stop(): Promise<void> {
      await runner.stop();
      feed.close();
      documents.close();
    },
    waitFor: (position: bigint, timeoutMs?: number) => runner.waitFor(position, timeoutMs),
    /** Resolves once the read models hold everything in the log now, writes of other processes included. */
    catchUp: async (timeoutMs = 2000): Promise<void> => runner.waitFor(await options.store.headPosition(), timeoutMs),
    lag: () => runner.lag(),
    position: () => runner.position(),

    room: (roomId: string): RoomDetail | undefined => readDetail(roomId),

    /** Where a listener stands with a family's waiting room: waiting (at which position), admitted (where), or neither. */
    queueStanding: (roomId: string, userId: string): QueueStanding =>
      queueStanding(waitingReads, lines, familyRootOf(roomId), userId),

    /** Calls `changed` after every committed batch that changed the family's queue; returns a stop. */
    watchQueue(roomId: string, changed: () => void): () => void {
      const family = familyRootOf(roomId);
      const set = queueWatchers.get(family) ?? new Set();
      set.add(changed);
      queueWatchers.set(family, set);
      return () => {
        set.delete(changed);
        if (set.size === 0 && queueWatchers.get(family) === set) queueWatchers.delete(family);
      };
    },

    /** Producers' scheduled sessions. */
    schedule: querySchedule(runner),

    /** Media nodes (joined, left, lost) and where each room's media is placed. */
    mediaCluster: queryMediaCluster(runner),

    /** Main rooms by id, after a cursor, optionally only those in one state. */
    directory(query: { state?: DirectoryEntry['state']; after?: string; first?: number } = {}): DirectoryEntry[] {
      const first = query.first ?? 50;
      const found: DirectoryEntry[] = [];
      let after = `directory:${query.after ?? ''}`;
      while (found.length < first) {
        const page = runner.list<DirectoryEntry>('rooms', after, 'directory:\uffff', 500);
        if (page.length === 0) break;
        for (const { doc } of page) if (!query.state || doc.state === query.state) found.push(doc);
        after = page.at(-1)!.key;
      }
      return found.slice(0, first);
    },

    capacityPlan: (familyId: string): CapacityPlan | undefined => runner.read<CapacityPlan>('capacityPlan', familyId),
    capacityPlans: (): CapacityPlan[] =>
      runner.list<CapacityPlan>('capacityPlan', '', '\uffff', 100_000).map((r) => r.doc),

    analytics: (roomId: string): RoomAnalytics | undefined =>
      runner.read<RoomAnalytics>('analytics', summaryKey(roomId)),
    /** A room's per-second timeline (seconds in which something happened), in time order. */
    seconds: (roomId: string): SecondBucket[] =>
      runner
        .list<SecondBucket>('analytics', `timeline:${roomId}:`, `timeline:${roomId}:\uffff`, 1_000_000)
        .map((r) => r.doc),
    /** The same, grouped into minutes. */
    timeline(roomId: string): MinuteBucket[] {
      return toMinutes(this.seconds(roomId));
    },

    roomAsOf: (roomId: string, moment: Moment) => roomAsOf(options.store, roomId, moment),

    /** A room's raw events from a revision on (the log itself, for analysts); undefined for an unknown room. */
    async history(roomId: string, from: bigint, maxCount: number): Promise<RecordedEvent[] | undefined> {
      try {
        return await options.store.readStream(roomStreamId(roomId), { from, maxCount });
      } catch (error) {
        if (error instanceof StreamNotFoundError) return undefined;
        throw error;
      }
    },

    /** Rebuilds every read model from zero beside the current ones, then swaps them in. */
    async rebuildAll(onProgress?: (progress: RebuildProgress) => void): Promise<void> {
      await runner.rebuild(
        projections.map((p) => p.name),
        onProgress,
      );
    },
  };
};

export type ReadModels = ReturnType<typeof createReadModels>;
