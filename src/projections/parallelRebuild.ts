import { Worker } from 'node:worker_threads';
import type { StreamPartition } from '../eventstore/index.ts';
import type { CatalogOptions } from './catalog.ts';
import type { BulkRebuild } from './runner.ts';

export interface RebuildWorkerData {
  /** The worker's module, as a file URL (bin/ts-worker.js imports it through tsx). */
  readonly module: string;
  readonly eventsFile: string;
  readonly documentsFile: string;
  readonly partition: StreamPartition;
  readonly until: bigint;
  readonly batchSize: number;
  readonly catalog: CatalogOptions;
  readonly targets: ReadonlyArray<{ readonly name: string; readonly generation: bigint }>;
}

/** What a worker reports after each batch: events of its partition applied so far, and how far it has read. */
export interface RebuildWorkerMessage {
  readonly applied: number;
  readonly through: bigint;
}

export interface ParallelRebuildOptions {
  /** The SQLite file of the log. */
  readonly eventsFile: string;
  /** The SQLite file of the read models. */
  readonly documentsFile: string;
  /** Worker threads, each folding a share of the streams. */
  readonly workers: number;
  readonly batchSize: number;
  readonly catalog: CatalogOptions;
}

/**
 * Where a worker thread starts: compiled JavaScript runs as is; from the
 * TypeScript sources, a small loader registers tsx in the thread first.
 */
const workerEntry = (): { file: URL; module: string } => {
  const compiled = import.meta.url.endsWith('.js');
  const module = new URL(compiled ? './rebuildWorker.js' : './rebuildWorker.ts', import.meta.url);
  return { file: compiled ? module : new URL('../../bin/ts-worker.js', import.meta.url), module: module.href };
};

/**
 * Rebuilds per-stream projections with one worker thread per share of the
 * streams: each reads the SQLite log on its own connection, skips (inside
 * SQLite) the rows of other shares, and folds its streams into the new
 * generations. Streams never share a document (`perStream`), so the shares
 * never write the same one.
 */
export const createParallelRebuild =
  (options: ParallelRebuildOptions): BulkRebuild =>
  async ({ targets, until, onProgress }) => {
    const entry = workerEntry();
    const count = options.workers;
    const applied = new Array<number>(count).fill(0);
    const through = new Array<bigint>(count).fill(-1n);
    const workers: Worker[] = [];
    try {
      await Promise.all(
        Array.from({ length: count }, (_, index) => {
          const workerData: RebuildWorkerData = {
            module: entry.module,
            eventsFile: options.eventsFile,
            documentsFile: options.documentsFile,
            partition: { index, count },
            until,
            batchSize: options.batchSize,
            catalog: options.catalog,
            targets,
          };
          const worker = new Worker(entry.file, { workerData, resourceLimits: { maxYoungGenerationSizeMb: 192 } });
          workers.push(worker);
          return new Promise<void>((resolve, reject) => {
            worker.on('message', (message: RebuildWorkerMessage) => {
              applied[index] = message.applied;
              through[index] = message.through;
              onProgress(
                applied.reduce((a, b) => a + b, 0),
                through.reduce((a, b) => (b < a ? b : a)),
              );
            });
            worker.once('error', reject);
            worker.once('exit', (code) =>
              code === 0
                ? resolve()
                : reject(new Error(`Rebuild worker ${index + 1} of ${count} exited with code ${code}.`)),
            );
          });
        }),
      );
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  };
