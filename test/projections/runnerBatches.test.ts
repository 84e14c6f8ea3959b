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
