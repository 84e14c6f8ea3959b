// One worker thread of a parallel rebuild (see parallelRebuild.ts): folds the
// streams of its partition of the log, up to a position, into new generations.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlitePartitionReader } from '../eventstore/sqlite/index.ts';
import { createProjections } from './catalog.ts';
import { openDocumentStore } from './documentStore.ts';
import type { RebuildWorkerData, RebuildWorkerMessage } from './parallelRebuild.ts';
import { applyBatch, type Target } from './runner.ts';

const job = workerData as RebuildWorkerData;
const post = (message: RebuildWorkerMessage): void => parentPort!.postMessage(message);

const reader = openSqlitePartitionReader(job.eventsFile, job.partition);
const documents = openDocumentStore(job.documentsFile);
try {
  const projections = new Map(createProjections(job.catalog).map((p) => [p.name, p]));
  const targets = job.targets.map(({ name, generation }): Target => {
    const projection = projections.get(name);
    if (!projection) throw new Error(`The rebuild worker has no projection named ${name}.`);
    return { projection, generation, checkpoint: -1n };
  });
  let from = 0n;
  let applied = 0;
  for (;;) {
    const { events, through } = reader.read(from, job.until, job.batchSize);
    for (const target of targets) applyBatch(documents, target, events);
    applied += events.length;
    post({ applied, through });
    if (through >= job.until) break;
    from = through + 1n;
  }
} finally {
  documents.close();
  reader.close();
}
