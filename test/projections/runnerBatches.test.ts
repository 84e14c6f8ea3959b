import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createSqliteEventStore, type EventStore } from '../../src/eventstore/index.ts';
import { openDocumentStore, type DocumentProjection } from '../../src/projections/index.ts';
import { createProjectionRunner } from '../../src/projections/runner.ts';
import { makeTempDir } from '../support/tempDir.ts';

const temp = makeTempDir('runner-batches');
afterEach(() => temp.remove());

/** Counts events per stream: one document a stream. */
const counter: DocumentProjection<number> = {
  name: 'counter',
  version: 1,
  perStream: true,
  handles: new Set(['Ticked']),
  evolve: (event, read) => [[event.streamId, (read(event.streamId) ?? 0) + 1]],
};

const tick = (store: EventStore, n: number) =>
  store.appendToStreams(
    Array.from({ length: n }, (_, i) => ({ streamId: `s-${i % 7}`, events: [{ type: 'Ticked', data: { i } }] })),
  );

it('catches up in large batches, then follows the live log in small ones', async () => {
  const store = createSqliteEventStore(join(temp.path, 'events.db'));
  await tick(store, 350);
  const documents = openDocumentStore(join(temp.path, 'read.db'));
  const batches: Array<{ size: number; first: bigint }> = [];
  const runner = createProjectionRunner({
    store,
    documents,
    projections: [counter],
    batchSize: 100,
    liveBatchSize: 10,
    onBatch: (events) => batches.push({ size: events.length, first: events[0]!.position }),
  });
  runner.start();
  await runner.waitFor(349n);
  const caughtUp = batches.splice(0);
  expect(caughtUp.map((b) => b.size)).toEqual([100, 100, 100, 50]);
  // One append of 200 events: all ready at once, applied ten at a time.
  await tick(store, 200);
  await runner.waitFor(549n);
  expect(batches.reduce((n, b) => n + b.size, 0)).toBe(200);
  expect(Math.max(...batches.map((b) => b.size))).toBe(10);
  expect(runner.read<number>('counter', 's-0')).toBe(79);
  await runner.stop();
  documents.close();
  await store.close();
});

it("commits a batch for every projection in one transaction: one projection's failure moves none of them", async () => {
  const store = createSqliteEventStore(join(temp.path, 'events.db'));
  await tick(store, 5);
  const documents = openDocumentStore(join(temp.path, 'read.db'));
  const poisoned: DocumentProjection<number> = {
    name: 'poisoned',
    version: 1,
    handles: new Set(['Ticked']),
    evolve: (event) => {
      if ((event.data as { i: number }).i === 3) throw new Error('cannot fold event 3');
      return [['all', 1]];
    },
  };
  const runner = createProjectionRunner({ store, documents, projections: [counter, poisoned] });
  const failed = new Promise<unknown>((resolve) => runner.start(resolve));
  expect(String(await failed)).toMatch(/cannot fold event 3/);
  // The counter folded the batch before the failure, and none of it was kept: documents, checkpoints, position.
  expect(documents.checkpoint('counter', 1n)).toBe(-1n);
  expect(documents.checkpoint('poisoned', 1n)).toBe(-1n);
  expect(documents.read('counter', 1n, 's-0')).toBeUndefined();
  expect(runner.position()).toBe(-1n);
  await runner.stop();
  documents.close();
  await store.close();
});
