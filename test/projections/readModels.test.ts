import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  analyticsProjection,
  createCapacityPlanProjection,
  createReadModels,
  openDocumentStore,
  roomsProjection,
  type FeedItem,
  type RoomDetail,
} from '../../src/projections/index.ts';
import { applyBatch } from '../../src/projections/runner.ts';
import { openWorkbench, play, randomWorkload, type Workbench } from './support.ts';

const allDocs = (readModels: ReturnType<typeof createReadModels>) => ({
  rooms: readModels.runner.list('rooms', '', '\uffff', 1_000_000),
  capacityPlan: readModels.runner.list('capacityPlan', '', '\uffff', 1_000_000),
  analytics: readModels.runner.list('analytics', '', '\uffff', 1_000_000),
});

describe('read models', () => {
  const benches: Workbench[] = [];
  afterEach(async () => {
    for (const bench of benches.splice(0)) await bench.close();
  });
  const workbench = () => {
    const bench = openWorkbench('projections');
    benches.push(bench);
    return bench;
  };
  /** A workbench with read models started on it, one router per 250 listeners. */
  const routedWorkbench = () => {
    const bench = workbench();
    const readModels = createReadModels({
      store: bench.store,
      path: join(bench.dir, 'read.db'),
      consumersPerRouter: 250,
    });
    readModels.start();
    return { bench, readModels };
  };

  it('every projection applied twice gives the same documents as applied once', async () => {
    const bench = workbench();
    await play(bench.commands, randomWorkload(7, 400));
    const events = await bench.store.readAll();
    expect(events.length).toBeGreaterThan(300);
    for (const projection of [roomsProjection, createCapacityPlanProjection(2), analyticsProjection]) {
      const once = openDocumentStore(join(bench.dir, `${projection.name}-once.db`));
      const twice = openDocumentStore(join(bench.dir, `${projection.name}-twice.db`));
      applyBatch(once, { projection, generation: 1n, checkpoint: -1n }, events);
      // Every event twice in a row, then the whole log again from a lost checkpoint.
      applyBatch(
        twice,
        { projection, generation: 1n, checkpoint: -1n },
        events.flatMap((e) => [e, e]),
      );
      applyBatch(twice, { projection, generation: 1n, checkpoint: -1n }, events);
      const docsOnce = once.list(projection.name, 1n, '', '\uffff', 1_000_000);
      expect(docsOnce.length).toBeGreaterThanOrEqual(3);
      expect(twice.list(projection.name, 1n, '', '\uffff', 1_000_000)).toEqual(docsOnce);
      once.close();
      twice.close();
    }
  });

  it('a rebuild from zero equals what the live runner built, and swaps in while reads go on', async () => {
    const bench = workbench();
    const readModels = createReadModels({ store: bench.store, path: join(bench.dir, 'read.db'), batchSize: 50 });
    readModels.start();
    const last = await play(bench.commands, randomWorkload(11, 600));
    await readModels.waitFor(last);
    const live = allDocs(readModels);
    const before = readModels.directory();
    const progress: number[] = [];
    const rebuilding = readModels.rebuildAll((p) => progress.push(p.applied));
    expect(readModels.directory()).toEqual(before);
    await rebuilding;
    expect(progress.length).toBeGreaterThan(3);
    const rebuilt = allDocs(readModels);
    for (const name of ['rooms', 'capacityPlan', 'analytics'] as const) expect(rebuilt[name], name).toEqual(live[name]);
    // It keeps following the log after the swap.
    const more = await bench.commands
      .send({ type: 'JoinRoom', data: { roomId: 'alpha' }, metadata: { actor: 'late', at: new Date().toISOString() } })
      .catch(() => undefined);
    if (more && more.position >= 0n) {
      await readModels.waitFor(more.position);
      expect(readModels.room('alpha')?.position).toBe(String(more.position));
    }
    await readModels.stop();
  });

  it('roomAsOf a position gives the room exactly as the live read model showed it then', async () => {
    const bench = workbench();
    const readModels = createReadModels({ store: bench.store, path: join(bench.dir, 'read.db') });
    readModels.start();
    const recorded: Array<{ position: bigint; room: RoomDetail }> = [];
    await play(bench.commands, randomWorkload(23, 240), async (i, position) => {
      if (position < 0n || i % 20 !== 0) return;
      await readModels.waitFor(position);
      const room = readModels.room('beta');
      if (room) recorded.push({ position: BigInt(room.position), room });
    });
    expect(recorded.length).toBeGreaterThan(5);
    for (const { position, room } of recorded) {
      expect(await readModels.roomAsOf('beta', { position })).toEqual(room);
    }
    expect(await readModels.roomAsOf('beta', { at: new Date(Date.UTC(2000, 0, 1)) })).toBeUndefined();
    expect(await readModels.roomAsOf('nowhere', { position: 10n })).toBeUndefined();
    const latest = recorded.at(-1)!.room;
    expect(await readModels.roomAsOf('beta', { at: new Date(Date.UTC(2030, 0, 1)) })).toMatchObject({ roomId: 'beta' });
    expect(latest.roomId).toBe('beta');
    await readModels.stop();
  });

  it('the feed coalesces listener counts under a surge and keeps the other changes in order', async () => {
    const bench = workbench();
    const readModels = createReadModels({ store: bench.store, path: join(bench.dir, 'read.db'), coalesceMs: 200 });
    readModels.start();
    const items: FeedItem[] = [];
    const subscription = readModels.feed.subscribe('surge');
    const collecting = (async () => {
      for await (const item of subscription) items.push(item);
    })();
    const at = new Date().toISOString();
    await bench.commands.send({
      type: 'OpenRoom',
      data: { roomId: 'surge', title: 'Surge', capacity: 500 },
      metadata: { actor: 'mod', at },
    });
    const results = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        bench.commands.send({ type: 'JoinRoom', data: { roomId: 'surge' }, metadata: { actor: `l${i}`, at } }),
      ),
    );
    await readModels.waitFor(results.reduce((m, r) => (r.position > m ? r.position : m), -1n));
    await new Promise((resolve) => setTimeout(resolve, 450));
    subscription.close();
    await collecting;
    const counts = items.filter((i) => i.kind === 'ListenerCountChanged' && i.roomId === 'surge');
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.length).toBeLessThanOrEqual(10);
    expect(counts.at(-1)).toMatchObject({ listenerCount: 500, familyListenerCount: 2000 });
    const kinds = items.filter((i) => i.roomId === 'surge').map((i) => i.kind);
    expect(kinds.indexOf('RoomBecameFull')).toBeLessThan(kinds.indexOf('OverflowRoomSpawned'));
    expect(items.filter((i) => i.kind === 'OverflowRoomSpawned')).toHaveLength(3);
    expect(items.some((i) => i.roomId === 'surge.overflow-1' && i.kind === 'RoomBecameFull')).toBe(true);
    await readModels.stop();
  });

  it('plans routers per room from listener counts, and analytics sees the headliner and the overflow', async () => {
    const { bench, readModels } = routedWorkbench();
    const t0 = Date.UTC(2026, 10, 28, 21, 0, 0);
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const send = (command: Parameters<typeof bench.commands.send>[0]) => bench.commands.send(command);
    await send({
      type: 'OpenRoom',
      data: { roomId: 'show', title: 'Show', capacity: 600 },
      metadata: { actor: 'mod', at: at(0) },
    });
    await send({
      type: 'AnnounceHeadliner',
      data: { roomId: 'show', userId: 'star', expectedAudience: 900 },
      metadata: { actor: 'mod', at: at(1) },
    });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        send({ type: 'JoinRoom', data: { roomId: 'show' }, metadata: { actor: `early${i}`, at: at(10) } }),
      ),
    );
    await send({ type: 'MarkHeadlinerArrived', data: { roomId: 'show' }, metadata: { actor: 'mod', at: at(30) } });
    await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        send({ type: 'JoinRoom', data: { roomId: 'show' }, metadata: { actor: `fan${i}`, at: at(40 + (i % 30)) } }),
      ),
    );
    const last = await send({ type: 'JoinRoom', data: { roomId: 'show' }, metadata: { actor: 'late', at: at(200) } });
    await readModels.waitFor(last.position);

    const plan = readModels.capacityPlan('show')!;
    expect(plan.expectedAudience).toBe(900);
    expect(plan.speakers).toEqual(['mod', 'star']);
    expect(plan.rooms.map((r) => [r.roomId, r.listeners, r.routers])).toEqual([
      ['show', 600, 3],
      ['show.overflow-1', 101, 1],
    ]);
    const analytics = readModels.analytics('show')!;
    expect(analytics).toMatchObject({
      listeners: 600,
      familyListeners: 701,
      peak: 600,
      familyPeak: 701,
      joins: 701,
      overflowRooms: 1,
      headlinerArrivedAt: at(30),
      joinsInMinuteAfterHeadliner: 600,
    });
    expect(analytics.msToFirstOverflow).toBeGreaterThanOrEqual(40_000);
    expect(analytics.msToFirstOverflow).toBeLessThan(70_000);
    const seconds = readModels.seconds('show');
    expect(seconds.reduce((sum, s) => sum + s.joins, 0)).toBe(701);
    expect(seconds.at(-1)).toMatchObject({ second: at(200), familyListeners: 701 });
    const minutes = readModels.timeline('show');
    expect(minutes.map((m) => m.minute)).toEqual([at(0), at(60), at(180)]);
    expect(readModels.analytics('show.overflow-1')).toMatchObject({ parentRoomId: 'show', listeners: 101, peak: 101 });
    await readModels.stop();
  });

  it('plans the routers of a warm room for the listeners it was prewarmed for, until its warm-up ends', async () => {
    const { bench, readModels } = routedWorkbench();
    const metadata = { actor: 'producer', at: new Date().toISOString() };
    await bench.commands.send({
      type: 'PrewarmRoom',
      data: { roomId: 'gala', title: 'Gala', capacity: 600, expectedAudience: 1500 },
      metadata,
    });
    await bench.commands.send({ type: 'OpenDoors', data: { roomId: 'gala' }, metadata });
    const joined = await bench.commands.send({
      type: 'JoinRoom',
      data: { roomId: 'gala' },
      metadata: { ...metadata, actor: 'fan' },
    });
    await readModels.waitFor(joined.position);
    const rows = () => readModels.capacityPlan('gala')!.rooms.map((r) => [r.roomId, r.listeners, r.warmFor, r.routers]);
    expect(rows()).toEqual([
      ['gala', 1, 600, 3],
      ['gala.overflow-1', 0, 600, 3],
      ['gala.overflow-2', 0, 300, 2],
    ]);
    expect(readModels.room('gala')).toMatchObject({ warm: true, doorsOpen: true });
    // Spawned ahead is not spilled over: the first overflow is the first listener sent to one.
    expect(readModels.analytics('gala')).toMatchObject({
      overflowRooms: 2,
      firstOverflowAt: null,
      msToFirstOverflow: null,
    });
    const ended = await bench.commands.send({ type: 'EndWarmUp', data: { roomId: 'gala' }, metadata });
    await readModels.waitFor(ended.position);
    expect(rows()).toEqual([
      ['gala', 1, 0, 1],
      ['gala.overflow-1', 0, 0, 0],
      ['gala.overflow-2', 0, 0, 0],
    ]);
    expect(readModels.room('gala')).toMatchObject({ warm: false, overflow: [] });
    expect(readModels.room('gala.overflow-1')).toMatchObject({ state: 'ended', endReason: 'drained' });
    await readModels.stop();
  });

  it('waitFor says clearly when the read models do not get there in time', async () => {
    const bench = workbench();
    const readModels = createReadModels({ store: bench.store, path: join(bench.dir, 'read.db') });
    readModels.start();
    await expect(readModels.waitFor(1_000_000n, 100)).rejects.toThrow(/did not reach position 1000000 within 100 ms/);
    await readModels.stop();
  });
});
