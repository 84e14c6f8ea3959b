import { join as joinPath } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommandPathClosedError, ConcurrencyConflictError, createRoomCommands } from '../../src/commands/index.ts';
import type { DomainError } from '../../src/domain/index.ts';
import { replay, roomStreamId, toSnapshotData, type RoomCommand } from '../../src/domain/index.ts';
import {
  createInMemorySnapshotStore,
  createSqliteEventStore,
  createSqliteSnapshotStore,
  type EventStore,
  type SnapshotStore,
} from '../../src/eventstore/index.ts';
import { loadRoom, toRoomEvent } from '../support/roomStreams.ts';
import { makeTempDir } from '../support/tempDir.ts';

const at = '2026-11-28T21:00:00.000Z';
const open = (roomId: string, capacity: number, extra: Record<string, unknown> = {}): RoomCommand => ({
  type: 'OpenRoom',
  data: { roomId, title: 'Headliner live', capacity, ...extra },
  metadata: { actor: 'mod', at },
});
const join = (roomId: string, actor: string): RoomCommand => ({
  type: 'JoinRoom',
  data: { roomId },
  metadata: { actor, at },
});
const leave = (roomId: string, actor: string): RoomCommand => ({
  type: 'LeaveRoom',
  data: { roomId },
  metadata: { actor, at },
});

describe('the command path on the SQLite store', () => {
  let cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });
  const stores = (): { store: EventStore; snapshots: SnapshotStore; file: string } => {
    const dir = makeTempDir('commands');
    const file = joinPath(dir.path, 'spillway.db');
    const store = createSqliteEventStore(file);
    const snapshots = createSqliteSnapshotStore(file);
    cleanups.push(
      () => dir.remove(),
      () => store.close(),
      () => snapshots.close(),
    );
    return { store, snapshots, file };
  };
  const streamOf = async (store: EventStore, roomId: string) =>
    (await store.readStream(roomStreamId(roomId))).map(toRoomEvent);

  it('group-commits a crowd past the family’s seats: the batch queues in send order, refuses past the limit, and seats the queue in order as seats free', async () => {
    const { store, snapshots } = stores();
    const commands = createRoomCommands(store, snapshots);
    await commands.send(open('q', 10, { maxOverflowRooms: 1, queueCapacity: 30 }));
    const users = Array.from({ length: 60 }, (_, i) => `u${i}`);
    const outcomes = await Promise.allSettled(users.map((u) => commands.send(join('q', u))));
    const kinds = outcomes.map((o) =>
      o.status === 'rejected' ? (o.reason as DomainError).code : o.value.events.at(-1)!.type,
    );
    // In the order sent: 20 seats (10 + an overflow room of 10), 30 places in line, 10 refused.
    expect(
      kinds
        .slice(0, 20)
        .every((k) => k === 'ListenerAdmitted' || k === 'RoomBecameFull' || k === 'ListenerRedirectedToOverflow'),
    ).toBe(true);
    expect(kinds.slice(20, 50)).toEqual(Array.from({ length: 30 }, () => 'ListenerQueued'));
    expect(kinds.slice(50)).toEqual(Array.from({ length: 10 }, () => 'ROOM_FULL'));
    outcomes.slice(20, 50).forEach((o, i) => {
      const event = (o as PromiseFulfilledResult<Awaited<ReturnType<typeof commands.send>>>).value.events[0]!;
      expect(event).toEqual({ type: 'ListenerQueued', data: { roomId: 'q', userId: `u${20 + i}`, position: i + 1 } });
    });
    // Three leave at once: the first three in line take their seats, in the same batch.
    const left = await Promise.all(['u0', 'u11', 'u5'].map((u) => commands.send(leave('q', u))));
    expect(left.map((r) => r.events.filter((e) => e.type === 'ListenerAdmittedFromQueue').map((e) => e.data))).toEqual([
      [{ roomId: 'q', userId: 'u20' }],
      [{ roomId: 'q', userId: 'u21' }],
      [{ roomId: 'q', userId: 'u22' }],
    ]);
    const state = replay(await streamOf(store, 'q'));
    expect([...state.snapshot.context.waiting.tickets.keys()]).toEqual(users.slice(23, 50));
    expect(state.roster.members.has('u22')).toBe(true);
  });

  it('group-commits a crowd: every caller gets its own placement, caps are exact, few appends', async () => {
    const { store, snapshots } = stores();
    const commands = createRoomCommands(store, snapshots);
    await commands.send(open('r', 100));
    const users = Array.from({ length: 450 }, (_, i) => `u${i}`);
    const results = await Promise.all(users.map((u) => commands.send(join('r', u))));
    results.forEach((result, i) => {
      const placed = result.events.find(
        (e) => e.type === 'ListenerAdmitted' || e.type === 'ListenerRedirectedToOverflow',
      );
      expect(placed && 'userId' in placed.data ? placed.data.userId : undefined).toBe(users[i]);
    });
    expect(new Set(results.map((r) => r.position)).size).toBeLessThan(20);
    const state = replay(await streamOf(store, 'r'));
    expect(state.snapshot.context.seats.listeners).toBe(100);
    expect([...state.snapshot.context.seats.overflow.values()].map((room) => room.listeners)).toEqual([
      100, 100, 100, 50,
    ]);
    expect(state.roster.members.size).toBe(451);
    await commands.close();
  });

  it('answers each caller with its own error while the rest of the batch succeeds', async () => {
    const { store, snapshots } = stores();
    const commands = createRoomCommands(store, snapshots);
    await commands.send(open('r', 10));
    const outcomes = await Promise.allSettled([
      commands.send(join('r', 'a')),
      commands.send(join('r', 'a')),
      commands.send(join('r', 'b')),
      commands.send(leave('r', 'nobody')),
      commands.send(join('missing', 'c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'rejected']);
    const codes = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as DomainError).code : 'ok'));
    expect(codes).toEqual(['ok', 'ALREADY_IN_ROOM', 'ok', 'NOT_IN_ROOM', 'ROOM_NOT_FOUND']);
    expect((await streamOf(store, 'r')).map((e) => e.type)).toEqual([
      'RoomOpened',
      'ListenerAdmitted',
      'ListenerAdmitted',
    ]);
    await expect(store.readStream(roomStreamId('missing'))).rejects.toThrow(/does not exist/);
  });

  it('without batching, appends once per command', async () => {
    const { store, snapshots } = stores();
    const commands = createRoomCommands(store, snapshots, { maxBatch: 1 });
    await commands.send(open('r', 100));
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => commands.send(join('r', `u${i}`))));
    expect(new Set(results.map((r) => r.position)).size).toBe(30);
  });

  it('when another writer got there first, reloads and decides again', async () => {
    const { store } = stores();
    const first = createRoomCommands(store, createInMemorySnapshotStore());
    const second = createRoomCommands(store, createInMemorySnapshotStore());
    await first.send(open('r', 2));
    await first.send(join('r', 'a'));
    await second.send(join('r', 'b'));
    // `first` still believes one seat is free: its append conflicts, it reloads, and places c in overflow.
    const result = await first.send(join('r', 'c'));
    expect(result.events.map((e) => e.type)).toEqual(['OverflowRoomSpawned', 'ListenerRedirectedToOverflow']);
    const again = await first.send(join('r', 'b')).catch((e: unknown) => e);
    expect((again as DomainError).code).toBe('ALREADY_IN_ROOM');
    const state = replay(await streamOf(store, 'r'));
    expect(state.snapshot.context.seats.listeners).toBe(2);
    expect(state.roster.members.size).toBe(4);
  });

  it('gives up after its retries with a CONFLICT error, and writes nothing for that command', async () => {
    const { store } = stores();
    const stale = createRoomCommands(store, createInMemorySnapshotStore(), { maxRetries: 1 });
    const other = createRoomCommands(store, createInMemorySnapshotStore());
    await stale.send(open('r', 5));
    await other.send(join('r', 'a'));
    const error = await stale.send(join('r', 'z')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyConflictError);
    expect((error as ConcurrencyConflictError).code).toBe('CONFLICT');
    expect((error as Error).message).toMatch(/nothing was written: try again/);
    const members = replay(await streamOf(store, 'r')).roster.members;
    expect(members.has('z')).toBe(false);
    // The next command reloads and succeeds.
    await stale.send(join('r', 'z'));
    expect(replay(await streamOf(store, 'r')).roster.members.has('z')).toBe(true);
  });

  it('mirrors overflow rooms into their own streams, and routes their commands to the main room', async () => {
    const { store, snapshots } = stores();
    const commands = createRoomCommands(store, snapshots);
    await commands.send(open('r', 2));
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((u) => commands.send(join('r', u))));
    const overflow = await streamOf(store, 'r.overflow-1');
    expect(overflow.map((e) => e.type)).toEqual([
      'RoomOpened',
      'ListenerAdmitted',
      'ListenerAdmitted',
      'RoomBecameFull',
    ]);
    expect(overflow[0]?.data).toMatchObject({ parentRoomId: 'r', capacity: 2, by: null, at });
    const left = await commands.send(leave('r.overflow-1', 'c'));
    expect(left.roomId).toBe('r');
    expect(left.events[0]).toEqual({
      type: 'ListenerLeft',
      data: { roomId: 'r', userId: 'c', fromRoomId: 'r.overflow-1' },
    });
    const mirrored = replay(await streamOf(store, 'r.overflow-1'));
    const family = replay(await streamOf(store, 'r'));
    expect(mirrored.snapshot.context.seats.listeners).toBe(
      family.snapshot.context.seats.overflow.get('r.overflow-1')?.listeners,
    );
    expect(mirrored.snapshot.context.parentRoomId).toBe('r');
    await commands.send({ type: 'EndRoom', data: { roomId: 'r' }, metadata: { actor: 'mod', at } });
    for (const id of ['r.overflow-1', 'r.overflow-2']) {
      const events = await streamOf(store, id);
      expect(events.at(-1)).toMatchObject({ type: 'RoomEnded', data: { reason: 'parentEnded' } });
    }
    const refused = await commands.send(join('r.overflow-2', 'f')).catch((e: unknown) => e);
    expect((refused as DomainError).code).toBe('ROOM_ENDED');
  });

  it('snapshots are only a cache: loading without them gives the same room as with them', async () => {
    const { store, snapshots } = stores();
    const commands = createRoomCommands(store, snapshots, { snapshotEvery: 10 });
    await commands.send(open('r', 7));
    for (let round = 0; round < 4; round += 1) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => commands.send(join('r', `u${round}-${i}`))));
      await Promise.all(Array.from({ length: 5 }, (_, i) => commands.send(leave('r', `u${round}-${i * 3}`))));
    }
    expect(await snapshots.load(roomStreamId('r'))).toBeDefined();
    const withSnapshot = await loadRoom(store, snapshots, 'r');
    const withoutSnapshot = await loadRoom(store, createInMemorySnapshotStore(), 'r');
    const fromZero = replay(await streamOf(store, 'r'));
    expect(withSnapshot.revision).toBe(withoutSnapshot.revision);
    expect(toSnapshotData(withSnapshot.state)).toEqual(toSnapshotData(withoutSnapshot.state));
    expect(toSnapshotData(withSnapshot.state)).toEqual(toSnapshotData(fromZero));
  });

  it('close() answers everything queued, then refuses new commands', async () => {
    const { store, snapshots } = stores();
    const commands = createRoomCommands(store, snapshots);
    await commands.send(open('r', 50));
    const pending = Array.from({ length: 200 }, (_, i) => commands.send(join('r', `u${i}`)));
    const closed = commands.close();
    await expect(commands.send(join('r', 'late'))).rejects.toBeInstanceOf(CommandPathClosedError);
    const results = await Promise.all(pending);
    await closed;
    expect(results).toHaveLength(200);
    expect(replay(await streamOf(store, 'r')).roster.members.size).toBe(201);
  });

  /**
   * A turn of a busy family (commands came in while its last turn appended)
   * waits turnGatherMs for more; a family's first turn never waits. setTimeout
   * is faked, so the wait ends only when the test says.
   */
  const gathering = async (turnGatherMs: number) => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    cleanups.push(() => void vi.useRealTimers());
    const { store, snapshots } = stores();
    const appends: string[][] = [];
    let duringNextAppend: (() => void) | undefined;
    const counted: EventStore = {
      ...store,
      appendToStreams: (writes) => {
        appends.push(writes.flatMap((w) => w.events.map((e) => String((e.metadata as { actor?: string })?.actor))));
        const hook = duringNextAppend;
        duringNextAppend = undefined;
        hook?.();
        return store.appendToStreams(writes);
      },
    };
    const commands = createRoomCommands(counted, snapshots, { turnGatherMs });
    cleanups.push(() => commands.close());
    await commands.send(open('g', 100));
    // Sent once the last was answered: decided at once, with no timer to wait for.
    await commands.send(join('g', 'alone'));
    appends.length = 0;
    let later: Array<Promise<unknown>> = [];
    duringNextAppend = () => (later = [commands.send(join('g', 'c'))]);
    await commands.send(join('g', 'b'));
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
    later.push(commands.send(join('g', 'd')), commands.send(join('g', 'e')));
    await vi.advanceTimersByTimeAsync(turnGatherMs);
    await Promise.all(later);
    return appends;
  };

  it('a busy family waits turnGatherMs between turns and decides what came meanwhile in one; its first turn never waits', async () => {
    expect(await gathering(200)).toEqual([['b'], ['c', 'd', 'e']]);
  });

  it('without turnGatherMs, the next turn goes as soon as the event loop comes round', async () => {
    expect(await gathering(0)).toEqual([['b'], ['c'], ['d', 'e']]);
  });

  it('refuses a negative turnGatherMs', () => {
    expect(() =>
      createRoomCommands(createSqliteEventStore(':memory:'), createInMemorySnapshotStore(), { turnGatherMs: -1 }),
    ).toThrow('turnGatherMs must be a number of milliseconds of at least 0; got -1.');
  });
});
