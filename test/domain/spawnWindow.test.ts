import { describe, expect, it } from 'vitest';
import {
  DomainError,
  execute,
  fromSnapshotData,
  initialState,
  spawnWindowReopensAt,
  toSnapshotData,
  type RoomCommand,
  type RoomSnapshotData,
  type RoomState,
} from '../../src/domain/index.ts';

const T0 = Date.parse('2026-12-01T20:00:00.000Z');
const minute = 60_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();
const command = (type: RoomCommand['type'], actor: string, ms: number, data: object = {}) =>
  ({ type, data: { roomId: 'r', ...data }, metadata: { actor, at: at(ms) } }) as RoomCommand;

/** Runs commands in order from nothing; each one's events, or its refusal. */
const run = (state: RoomState, commands: RoomCommand[]) => {
  const outcomes: Array<string[] | DomainError> = [];
  for (const next of commands) {
    try {
      const result = execute(state, next);
      state = result.state;
      outcomes.push(result.events.map((e) => e.type));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      outcomes.push(error);
    }
  }
  return { state, outcomes };
};

/** A listener arriving at a full room spawns an overflow room, then leaves it: it drains. */
const churn = (n: number, ms: number) => [command('JoinRoom', `u${n}`, ms), command('LeaveRoom', `u${n}`, ms)];

describe('the spawn limit counts spawns over a window, not only the open overflow rooms', () => {
  // A fresh room each time: evolve updates the seat ledger and roster in place.
  // Without a waiting room (queueCapacity 0), a join with no seat is refused: the spawn limit's own sentence.
  const opened = (queueCapacity = 0) =>
    run(initialState(), [
      command('OpenRoom', 'mod', 0, { title: 'Churn', capacity: 1, maxOverflowRooms: 3, queueCapacity }),
      command('JoinRoom', 'first', 0),
    ]).state;
  const threeSpawnsAndDrains = (queueCapacity = 0) =>
    run(opened(queueCapacity), [...churn(1, minute), ...churn(2, 2 * minute), ...churn(3, 3 * minute)]);

  it('refuses a fourth spawn within ten minutes although none is open, with a sentence that says so', () => {
    const { state: after, outcomes } = threeSpawnsAndDrains();
    expect(outcomes.filter((o) => Array.isArray(o) && o.includes('OverflowRoomSpawned'))).toHaveLength(3);
    expect(outcomes.filter((o) => Array.isArray(o) && o.includes('OverflowRoomDrained'))).toHaveLength(3);
    expect(after.snapshot.context.seats.overflow.size).toBe(3);
    const [refused] = run(after, [command('JoinRoom', 'u4', 4 * minute)]).outcomes;
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('ROOM_FULL');
    expect((refused as DomainError).message).toBe(
      'Room r is full and has spawned 3 overflow rooms in the last 10 minutes (the limit is 3); try again in a few minutes.',
    );
  });

  it('spawns again once the oldest spawn is out of the window, and a snapshot keeps the window', () => {
    const snapshot = JSON.stringify(toSnapshotData(threeSpawnsAndDrains().state));
    const restored = () => fromSnapshotData(JSON.parse(snapshot) as RoomSnapshotData);
    expect(run(restored(), [command('JoinRoom', 'u4', 10 * minute)]).outcomes[0]).toBeInstanceOf(DomainError);
    expect(run(restored(), [command('JoinRoom', 'u4', 11 * minute + 1)]).outcomes[0]).toEqual([
      'OverflowRoomSpawned',
      'ListenerRedirectedToOverflow',
    ]);
  });

  it('with a waiting room, queues the fourth and seats them at the first command once a spawn is allowed again', () => {
    const { state } = threeSpawnsAndDrains(10);
    const { outcomes } = run(state, [
      command('JoinRoom', 'u4', 4 * minute),
      command('JoinRoom', 'u4', 10 * minute),
      command('RaiseHand', 'first', 11 * minute + 1),
    ]);
    expect(outcomes).toEqual([
      ['ListenerQueued'],
      [],
      ['HandRaised', 'ListenerAdmittedFromQueue', 'OverflowRoomSpawned', 'ListenerRedirectedToOverflow'],
    ]);
  });

  it('counts spawns recorded before their time was kept as outside the window', () => {
    const old = run(opened(), [...churn(1, minute)]).state;
    const data = toSnapshotData(old);
    const { recentSpawns: _dropped, ...context } = data.context;
    const restored = fromSnapshotData({ ...data, context });
    expect(restored.snapshot.context.recentSpawns).toEqual([]);
  });
});

describe('a room’s own spawn window', () => {
  const opened = (spawnWindowMs?: number) =>
    run(initialState(), [
      command('OpenRoom', 'mod', 0, {
        title: 'Churn',
        capacity: 1,
        maxOverflowRooms: 1,
        queueCapacity: 0,
        ...(spawnWindowMs === undefined ? {} : { spawnWindowMs }),
      }),
      command('JoinRoom', 'first', 0),
      ...churn(1, 0),
    ]).state;

  it('limits spawns over the window it was opened with, and says so', () => {
    const [refused] = run(opened(90_000), [command('JoinRoom', 'u2', 89_999)]).outcomes;
    expect((refused as DomainError).message).toBe(
      'Room r is full and has spawned 1 overflow rooms in the last 90 seconds (the limit is 1); try again in a few minutes.',
    );
    expect(run(opened(90_000), [command('JoinRoom', 'u2', 90_000)]).outcomes[0]).toEqual([
      'OverflowRoomSpawned',
      'ListenerRedirectedToOverflow',
    ]);
    // The default window still holds then.
    expect(run(opened(), [command('JoinRoom', 'u2', 90_000)]).outcomes[0]).toBeInstanceOf(DomainError);
  });

  it('keeps it through a snapshot, and reads a snapshot made before it was a setting as ten minutes', () => {
    const data = toSnapshotData(opened(90_000));
    expect(
      fromSnapshotData(JSON.parse(JSON.stringify(data)) as RoomSnapshotData).snapshot.context.settings,
    ).toMatchObject({
      spawnWindowMs: 90_000,
    });
    const { spawnWindowMs: _dropped, ...older } = data.context.settings;
    const restored = fromSnapshotData({ ...data, context: { ...data.context, settings: older } });
    expect(restored.snapshot.context.settings.spawnWindowMs).toBe(10 * minute);
  });

  it('refuses a window shorter than a second or longer than a day, writing nothing', () => {
    for (const spawnWindowMs of [999, 86_400_001, 1.5]) {
      const [refused] = run(initialState(), [
        command('OpenRoom', 'mod', 0, { title: 'Churn', spawnWindowMs }),
      ]).outcomes;
      expect((refused as DomainError).code).toBe('INVALID_COMMAND');
      expect((refused as DomainError).message).toMatch(/^spawnWindowMs must be a whole number from 1000 to 86400000/);
    }
  });
});

describe('when a queue waiting on the spawn window can be seated (spawnWindowReopensAt)', () => {
  /** Room of 1 seat, one overflow room at most in a 10-minute window: spawned at 1 min, drained, then `u2` waits. */
  const waitingOnWindow = (extra: object = {}) =>
    run(initialState(), [
      command('OpenRoom', 'mod', 0, { title: 'Churn', capacity: 1, maxOverflowRooms: 1, queueCapacity: 5, ...extra }),
      command('JoinRoom', 'first', 0),
      ...churn(1, minute),
      command('JoinRoom', 'u2', 2 * minute),
      command('JoinRoom', 'u3', 2 * minute),
    ]);

  it('is when the spawn holding the limit leaves the window; a nudge then seats the first in line, before it nothing', () => {
    const { state, outcomes } = waitingOnWindow();
    expect(outcomes.slice(-2)).toEqual([['ListenerQueued'], ['ListenerQueued']]);
    const due = spawnWindowReopensAt(state.snapshot.context, at(2 * minute));
    expect(due).toBe(T0 + 11 * minute);
    const nudge = (ms: number) => command('AdmitFromQueue', 'spillway-waiting-room', ms);
    expect(run(waitingOnWindow().state, [nudge(11 * minute - 1)]).outcomes).toEqual([[]]);
    expect(run(waitingOnWindow().state, [nudge(11 * minute)]).outcomes).toEqual([
      ['ListenerAdmittedFromQueue', 'OverflowRoomSpawned', 'ListenerRedirectedToOverflow'],
    ]);
  });

  it('is nothing when nobody waits, or when something other than the window keeps them waiting', () => {
    const empty = run(initialState(), [command('OpenRoom', 'mod', 0, { title: 'Quiet', queueCapacity: 5 })]).state;
    expect(spawnWindowReopensAt(empty.snapshot.context, at(0))).toBeUndefined();
    // The one overflow room allowed is open and full: a leave seats the next, not the clock.
    const allOpen = run(initialState(), [
      command('OpenRoom', 'mod', 0, { title: 'Full', capacity: 1, maxOverflowRooms: 1, queueCapacity: 5 }),
      command('JoinRoom', 'first', 0),
      command('JoinRoom', 'second', minute),
      command('JoinRoom', 'third', minute),
    ]);
    expect(allOpen.outcomes.at(-1)).toEqual(['ListenerQueued']);
    expect(spawnWindowReopensAt(allOpen.state.snapshot.context, at(minute))).toBeUndefined();
    // Waiting on the window, then media becomes the bound too (its seats shrink to those taken): a grant seats the next.
    const grant = (seats: number, ms: number) => command('GrantMediaSeats', 'spillway-media-cluster', ms, { seats });
    const gated = run(initialState(), [
      command('OpenRoom', 'mod', 0, {
        title: 'Gated',
        capacity: 1,
        maxOverflowRooms: 1,
        queueCapacity: 5,
        mediaGated: true,
      }),
      grant(2, 0),
      command('JoinRoom', 'first', 0),
      ...churn(1, minute),
      command('JoinRoom', 'u2', 2 * minute),
    ]);
    expect(spawnWindowReopensAt(gated.state.snapshot.context, at(2 * minute))).toBe(T0 + 11 * minute);
    const shrunk = run(gated.state, [grant(1, 3 * minute)]).state;
    expect(spawnWindowReopensAt(shrunk.snapshot.context, at(3 * minute))).toBeUndefined();
  });
});
