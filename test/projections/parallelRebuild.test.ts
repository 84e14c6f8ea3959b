import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createReadModels, openDocumentStore } from '../../src/projections/index.ts';
import { createProjections } from '../../src/projections/catalog.ts';
import { createParallelRebuild } from '../../src/projections/parallelRebuild.ts';
import { applyBatch, createProjectionRunner, type BulkRebuild } from '../../src/projections/runner.ts';
import { createSessionCommands } from '../../src/commands/index.ts';
import { sessionInput } from '../scheduling/support.ts';
import { openWorkbench, play, randomWorkload, type Workbench } from './support.ts';

const NAMES = ['rooms', 'capacityPlan', 'analytics', 'schedule'] as const;

describe('parallel rebuild (worker threads, the log partitioned by stream)', () => {
  const benches: Workbench[] = [];
  afterEach(async () => {
    for (const bench of benches.splice(0)) await bench.close();
  });
  const workbench = () => {
    const bench = openWorkbench('parallel-rebuild');
    benches.push(bench);
    return bench;
  };

  it('every projection declared per-stream writes each document from one stream only', async () => {
    const bench = workbench();
    await play(bench.commands, randomWorkload(5, 500));
    // And a few producers' sessions, rescheduled and cancelled, for the schedule.
    const sessions = createSessionCommands(bench.store);
    for (const id of ['s1', 's2', 's3']) {
      const { data, metadata } = sessionInput(id, `room-of-${id}`, 3_600_000, 60_000);
      await sessions.send({ type: 'ScheduleSession', data, metadata });
      await sessions.send({
        type: 'RescheduleSession',
        data: { sessionId: id, startsAt: new Date(Date.parse(data.startsAt) + 60_000).toISOString() },
        metadata,
      });
    }
    await sessions.send({
      type: 'CancelSession',
      data: { sessionId: 's2', reason: 'ill' },
      metadata: sessionInput('s2', 'x', 0, 0).metadata,
    });
    const events = await bench.store.readAll();
    for (const projection of createProjections()) {
      expect(projection.perStream, projection.name).toBe(true);
      const documents = openDocumentStore(join(bench.dir, `${projection.name}.db`));
      const target = { projection, generation: 1n, checkpoint: -1n };
      const writer = new Map<string, string>();
      for (const event of events) {
        const before = new Map(documents.list(projection.name, 1n, '', '\uffff', 1_000_000).map((d) => [d.key, d.doc]));
        applyBatch(documents, target, [event]);
        for (const { key, doc } of documents.list(projection.name, 1n, '', '\uffff', 1_000_000)) {
          if (before.has(key) && JSON.stringify(before.get(key)) === JSON.stringify(doc)) continue;
          expect(writer.get(key) ?? event.streamId, `${projection.name} document ${key}`).toBe(event.streamId);
          writer.set(key, event.streamId);
        }
      }
      expect(writer.size, projection.name).toBeGreaterThanOrEqual(3);
      documents.close();
    }
  });

  it.each([2, 3])(
    'with %i workers equals the live read models, and the runner follows the log after the swap',
    async (workers) => {
      const bench = workbench();
      const path = join(bench.dir, 'read.db');
      const live = createReadModels({ store: bench.store, path, batchSize: 40, rebuildWorkers: 1 });
      live.start();
      const last = await play(bench.commands, randomWorkload(workers * 13, 700));
      await live.waitFor(last);
      const docs = () => NAMES.map((name) => live.runner.list(name, '', '\uffff', 1_000_000));
      const before = docs();
      await live.stop();

      const documents = openDocumentStore(path);
      const bulk = createParallelRebuild({
        eventsFile: bench.file,
        documentsFile: path,
        workers,
        batchSize: 40,
        catalog: {},
      });
      const jobs: Array<{ until: bigint; progress: number[] }> = [];
      const bulkRebuild: BulkRebuild = async (job) => {
        const progress: number[] = [];
        jobs.push({ until: job.until, progress });
        await bulk({
          ...job,
          onProgress: (applied, position) => (progress.push(applied), job.onProgress(applied, position)),
        });
      };
      const runner = createProjectionRunner({
        store: bench.store,
        documents,
        projections: createProjections(),
        batchSize: 40,
        bulkRebuild,
      });
      runner.start();
      await runner.waitFor(last);
      const reported: bigint[] = [];
      await runner.rebuild(NAMES, (p) => reported.push(p.position));
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.until).toBe(last);
      expect(jobs[0]!.progress.at(-1)).toBe(Number(last + 1n));
      expect(jobs[0]!.progress.length).toBeGreaterThan(workers * 3);
      expect(reported.at(-1)).toBe(last);
      expect(NAMES.map((name) => runner.list(name, '', '\uffff', 1_000_000))).toEqual(before);
      for (const name of NAMES) expect(documents.active(name)?.generation).toBe(2n);

      const more = await bench.commands.send({
        type: 'OpenRoom',
        data: { roomId: 'after-swap', title: 'After', capacity: 2, maxOverflowRooms: 1 },
        metadata: { actor: 'mod', at: new Date().toISOString() },
      });
      await runner.waitFor(more.position);
      expect(runner.read<{ state: string }>('rooms', 'detail:after-swap')?.state).toBe('live');
      await runner.stop();
      documents.close();
    },
  );

  it('a failing worker fails the rebuild with its reason, and the old generation keeps serving', async () => {
    const bench = workbench();
    const path = join(bench.dir, 'read.db');
    const readModels = createReadModels({
      store: bench.store,
      path,
      eventsFile: join(bench.dir, 'no-such-log.db'),
      rebuildWorkers: 2,
    });
    readModels.start();
    const last = await play(bench.commands, randomWorkload(3, 100));
    await readModels.waitFor(last);
    const before = readModels.directory();
    expect(before.length).toBeGreaterThan(0);
    await expect(readModels.rebuildAll()).rejects.toThrow(
      `There is no SQLite log at ${join(bench.dir, 'no-such-log.db')}`,
    );
    expect(readModels.directory()).toEqual(before);
    await readModels.stop();
  });

  it('a rebuild that fails after its workers wrote leaves the old generation serving; the next one starts clean', async () => {
    const bench = workbench();
    const path = join(bench.dir, 'read.db');
    const documents = openDocumentStore(path);
    const bulk = createParallelRebuild({
      eventsFile: bench.file,
      documentsFile: path,
      workers: 2,
      batchSize: 30,
      catalog: {},
    });
    let failAfterBulk = true;
    const runner = createProjectionRunner({
      store: bench.store,
      documents,
      projections: createProjections(),
      batchSize: 30,
      bulkRebuild: async (job) => {
        await bulk(job);
        if (failAfterBulk) throw new Error('the machine went away');
      },
    });
    runner.start();
    const last = await play(bench.commands, randomWorkload(21, 300));
    await runner.waitFor(last);
    const before = NAMES.map((name) => runner.list(name, '', '\uffff', 1_000_000));
    await expect(runner.rebuild(NAMES)).rejects.toThrow('the machine went away');
    for (const name of NAMES) expect(documents.active(name)?.generation).toBe(1n);
    // The half-made generation 2 is there, beside the serving one...
    expect(documents.list('rooms', 2n, '', '\uffff', 1_000_000).length).toBeGreaterThan(0);
    expect(NAMES.map((name) => runner.list(name, '', '\uffff', 1_000_000))).toEqual(before);
    // ...and the next rebuild drops it before writing it again.
    failAfterBulk = false;
    await runner.rebuild(NAMES);
    for (const name of NAMES) expect(documents.active(name)?.generation).toBe(2n);
    expect(NAMES.map((name) => runner.list(name, '', '\uffff', 1_000_000))).toEqual(before);
    await runner.stop();
    documents.close();
  });

  it('refuses a worker count that is not a whole number of at least 1', () => {
    const bench = workbench();
    for (const rebuildWorkers of [0, 1.5, -2]) {
      expect(() => createReadModels({ store: bench.store, path: join(bench.dir, 'r.db'), rebuildWorkers })).toThrow(
        `rebuildWorkers must be a whole number of at least 1; got ${rebuildWorkers}.`,
      );
    }
  });
});
