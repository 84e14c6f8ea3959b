import type { EventStore, RecordedEvent } from '../eventstore/index.ts';
import type { DocumentStore } from './documentStore.ts';
import type { DocumentProjection } from './types.ts';

/** Events applied per transaction while rebuilding or catching up, unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 5000;

export interface ProjectionRunnerOptions {
  readonly store: EventStore;
  readonly documents: DocumentStore;
  readonly projections: readonly DocumentProjection[];
  /** Events applied per transaction at most while rebuilding or catching up. Default 5,000. */
  readonly batchSize?: number;
  /**
   * Events applied per transaction at most once caught up with the log (what
   * was at its head when following began). Smaller, so that under a surge the
   * read models trail the log by a few hundred events, not thousands. Default 500.
   */
  readonly liveBatchSize?: number;
  /** Called after each committed batch, in log order: reactors and live feeds hang here. */
  readonly onBatch?: (events: readonly RecordedEvent[]) => void;
  /**
   * Fills new generations of per-stream projections up to a position in
   * parallel (see parallelRebuild.ts); without it, or when a projection is
   * not per-stream, a rebuild reads the log in this thread.
   */
  readonly bulkRebuild?: BulkRebuild;
}

/** A rebuild's bulk step: fill these generations with the log up to `until`, reporting events applied so far. */
export type BulkRebuild = (job: {
  readonly targets: ReadonlyArray<{ readonly name: string; readonly generation: bigint }>;
  readonly until: bigint;
  readonly onProgress: (applied: number, position: bigint) => void;
}) => Promise<void>;

export interface RebuildProgress {
  readonly projection: string;
  readonly applied: number;
  readonly position: bigint;
  readonly eventsPerSecond: number;
}

export interface Lag {
  readonly events: bigint;
  readonly ms: number;
}

/** A projection's target: the generation it writes, its checkpoint, and a write-back cache for one batch. */
export interface Target {
  readonly projection: DocumentProjection;
  generation: bigint;
  checkpoint: bigint;
}

/**
 * Applies `events` to one generation of a projection and commits the
 * documents with the checkpoint. An event at or below the checkpoint, or at
 * or below a document's own position, changes nothing: exactly once.
 */
export const applyBatch = (documents: DocumentStore, target: Target, events: readonly RecordedEvent[]): void => {
  const { projection, generation } = target;
  const cache = new Map<string, { position: bigint; doc: unknown }>();
  const read = (key: string) => {
    let entry = cache.get(key);
    if (!entry) {
      const stored = documents.read(projection.name, generation, key);
      entry = stored ? { position: stored.position, doc: stored.doc } : { position: -1n, doc: null };
      cache.set(key, entry);
    }
    return entry;
  };
  const readDoc = (key: string): unknown => read(key).doc ?? undefined;
  let last = target.checkpoint;
  const written = new Map<string, { position: bigint; doc: unknown }>();
  for (const event of events) {
    if (event.position <= target.checkpoint) continue;
    last = event.position;
    if (!projection.handles.has(event.type)) continue;
    for (const [key, doc] of projection.evolve(event, readDoc)) {
      const entry = read(key);
      if (entry.position >= event.position) continue;
      entry.position = event.position;
      entry.doc = doc;
      written.set(key, entry);
    }
  }
  if (last === target.checkpoint) return;
  documents.commit(projection.name, generation, written, last);
  target.checkpoint = last;
};

/**
 * Keeps the read models up to date: catches up from each projection's
 * checkpoint, then follows the live log, committing documents and checkpoint
 * together per batch. Rebuilds a projection from zero into a new generation
 * while the old one keeps serving, then swaps them.
 */
export const createProjectionRunner = (options: ProjectionRunnerOptions) => {
  const { store, documents } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const liveBatchSize = Math.min(options.liveBatchSize ?? 500, batchSize);
  const targets = new Map<string, Target>();
  /** Projections whose meaning changed since their documents were written: rebuilt at start. */
  const outdated: string[] = [];
  for (const projection of options.projections) {
    let active = documents.active(projection.name);
    if (!active) {
      documents.dropGeneration(projection.name, 1n);
      documents.swap(projection.name, undefined, 1n, projection.version);
      active = { generation: 1n, version: projection.version };
    } else if (active.version !== projection.version) {
      outdated.push(projection.name);
    }
    targets.set(projection.name, {
      projection,
      generation: active.generation,
      checkpoint: documents.checkpoint(projection.name, active.generation),
    });
  }

  let head = -1n;
  let oldestPendingAt: number | undefined;
  /** Appends the command path reported, not yet applied, oldest first: what lag is measured from. */
  const appendedAt: Array<{ position: bigint; at: number }> = [];
  let stopped = false;
  let subscription: ReturnType<EventStore['subscribeToAll']> | undefined;
  let loop: Promise<void> | undefined;
  let paused: Promise<void> | undefined;
  const waiters = new Set<{ position: bigint; resolve: () => void }>();

  const applied = (): bigint => {
    let min: bigint | undefined;
    for (const target of targets.values()) if (min === undefined || target.checkpoint < min) min = target.checkpoint;
    return min ?? -1n;
  };

  const wakeWaiters = (): void => {
    const position = applied();
    for (const waiter of waiters) {
      if (waiter.position <= position) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  const commit = (batch: RecordedEvent[]): void => {
    // Every projection's documents and checkpoint in one transaction; if it fails, none moved.
    const before = [...targets.values()].map((target) => [target, target.checkpoint] as const);
    try {
      documents.together(() => {
        for (const target of targets.values()) applyBatch(documents, target, batch);
      });
    } catch (error) {
      for (const [target, checkpoint] of before) target.checkpoint = checkpoint;
      throw error;
    }
    // Lag counts from the oldest append the command path reported that is not applied yet.
    const done = applied();
    while (appendedAt.length > 0 && appendedAt[0]!.position <= done) appendedAt.shift();
    oldestPendingAt = appendedAt[0]?.at;
    options.onBatch?.(batch);
    wakeWaiters();
  };

  const follow = async (): Promise<void> => {
    // Up to the head as it is now, catch up in large batches; past it, follow in small ones.
    const caughtUpAt = await store.headPosition();
    subscription = store.subscribeToAll({ fromPosition: applied() + 1n });
    if (stopped) subscription.close();
    const iterator = subscription[Symbol.asyncIterator]();
    let batch: RecordedEvent[] = [];
    const idle = Symbol('idle');
    // One wake-up after this pass of the event loop, shared by every event the pass brings (a page's worth).
    let idleSoon: Promise<typeof idle> | undefined;
    const nothingMoreAtOnce = (): Promise<typeof idle> =>
      (idleSoon ??= new Promise((resolve) =>
        setImmediate(() => {
          idleSoon = undefined;
          resolve(idle);
        }),
      ));
    let next = iterator.next();
    while (!stopped) {
      // Take what is ready now; when the log has nothing more at once, commit.
      const ready = batch.length === 0 ? await next : await Promise.race([next, nothingMoreAtOnce()]);
      if (ready === idle) {
        if (paused) await paused;
        commit(batch);
        batch = [];
        continue;
      }
      if (ready.done) break;
      const event = ready.value;
      if (event.position > head) head = event.position;
      oldestPendingAt ??= event.recordedAt.getTime();
      batch.push(event);
      next = iterator.next();
      if (batch.length >= (event.position > caughtUpAt ? liveBatchSize : batchSize)) {
        if (paused) await paused;
        commit(batch);
        batch = [];
      }
    }
    if (batch.length > 0 && !stopped) commit(batch);
  };

  return {
    /**
     * Starts following the log (catch-up first), and rebuilds, beside the
     * old documents, any projection whose version changed.
     */
    start(onError: (error: unknown) => void = (error) => console.error(error)): void {
      if (loop) return;
      loop = follow().catch((error: unknown) => {
        if (!stopped) onError(error);
      });
      if (outdated.length > 0) void this.rebuild(outdated.splice(0)).catch(onError);
    },

    /** The position every projection has applied (-1n: nothing yet). */
    position: applied,

    /** How far behind the log the read models are, as far as this process has seen. */
    lag(): Lag {
      const behind = head - applied();
      return {
        events: behind > 0n ? behind : 0n,
        ms: oldestPendingAt === undefined ? 0 : Date.now() - oldestPendingAt,
      };
    },

    /** Tells the runner the log has reached `position` (the command path calls it after an append). */
    noteAppended(position: bigint): void {
      if (position > head) head = position;
      if (position > applied()) {
        appendedAt.push({ position, at: Date.now() });
        oldestPendingAt ??= Date.now();
      }
    },

    /** Resolves once every projection has applied `position` (read-your-writes). */
    waitFor(position: bigint, timeoutMs = 10_000): Promise<void> {
      if (applied() >= position) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = {
          position,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `The read models did not reach position ${position} within ${timeoutMs} ms (they are at ${applied()}).`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },

    read<Doc>(projection: string, key: string): Doc | undefined {
      const target = targets.get(projection);
      const active = documents.active(projection);
      if (!target || !active) throw new Error(`No projection named ${projection}.`);
      return documents.read(projection, active.generation, key)?.doc as Doc | undefined;
    },

    count(projection: string, after: string, before: string): number {
      const active = documents.active(projection);
      if (!active) throw new Error(`No projection named ${projection}.`);
      return documents.count(projection, active.generation, after, before);
    },

    list<Doc>(projection: string, after?: string, before?: string, limit?: number): Array<{ key: string; doc: Doc }> {
      const active = documents.active(projection);
      if (!active) throw new Error(`No projection named ${projection}.`);
      return documents.list(projection, active.generation, after, before, limit) as Array<{ key: string; doc: Doc }>;
    },

    /**
     * Rebuilds projections from zero into new generations, reading the log
     * once for all of them, while the current generations keep serving reads
     * and following the log; swaps each in once it has caught up.
     */
    async rebuild(names: string | readonly string[], onProgress?: (progress: RebuildProgress) => void): Promise<void> {
      const lives = (typeof names === 'string' ? [names] : names).map((name) => {
        const live = targets.get(name);
        if (!live) throw new Error(`No projection named ${name}; there are: ${[...targets.keys()].join(', ')}.`);
        return live;
      });
      const fresh = lives.map((live): Target => ({
        projection: live.projection,
        generation: live.generation + 1n,
        checkpoint: -1n,
      }));
      for (const target of fresh) documents.dropGeneration(target.projection.name, target.generation);
      const label = lives.map((l) => l.projection.name).join(', ');
      const started = performance.now();
      let count = 0;
      let from = 0n;
      const report = (position: bigint): void => {
        const seconds = (performance.now() - started) / 1000;
        onProgress?.({ projection: label, applied: count, position, eventsPerSecond: count / seconds });
      };
      const until = await store.headPosition();
      if (options.bulkRebuild && until >= 0n && fresh.every((t) => t.projection.perStream === true)) {
        await options.bulkRebuild({
          targets: fresh.map((t) => ({ name: t.projection.name, generation: t.generation })),
          until,
          onProgress: (applied, position) => {
            count = applied;
            report(position);
          },
        });
        // Every stream is folded up to `until`: the generations' checkpoint is there.
        for (const target of fresh) {
          documents.commit(target.projection.name, target.generation, new Map(), until);
          target.checkpoint = until;
        }
        from = until + 1n;
      }
      const catchUp = async (): Promise<void> => {
        for (;;) {
          const page = await store.readAll({ fromPosition: from, maxCount: batchSize });
          if (page.length === 0) return;
          for (const target of fresh) applyBatch(documents, target, page);
          count += page.length;
          from = page.at(-1)!.position + 1n;
          report(from - 1n);
        }
      };
      await catchUp();
      // Hold the live loop, apply the last events, and swap.
      let release!: () => void;
      paused = new Promise((resolve) => (release = resolve));
      try {
        await catchUp();
        lives.forEach((live, i) => {
          const target = fresh[i]!;
          documents.swap(live.projection.name, live.generation, target.generation, live.projection.version);
          live.generation = target.generation;
          live.checkpoint = target.checkpoint;
        });
      } finally {
        paused = undefined;
        release();
      }
      wakeWaiters();
    },

    async stop(): Promise<void> {
      stopped = true;
      subscription?.close();
      await loop;
      for (const waiter of waiters) waiter.resolve();
      waiters.clear();
    },
  };
};

export type ProjectionRunner = ReturnType<typeof createProjectionRunner>;
