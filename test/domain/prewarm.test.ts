import { describe, expect, it } from 'vitest';
import {
  fromSnapshotData,
  mirrorToOverflowRooms,
  replay,
  toSnapshotData,
  type RoomCommand,
  type RoomEvent,
} from '../../src/domain/index.ts';
import { admitted, as, AT, full, given, opened, redirected } from './given.ts';

/** Capacity 3, up to 2 overflow rooms: an audience of 8 needs the room and both overflow rooms. */
const prewarm = (expectedAudience: number, actor = 'producer'): RoomCommand => ({
  type: 'PrewarmRoom',
  data: { roomId: 'r', title: 'Jazz at night', capacity: 3, expectedAudience },
  metadata: as(actor),
});

const warmOpened = (expectedListeners: number): RoomEvent => ({
  type: 'RoomOpened',
  data: {
    roomId: 'r',
    title: 'Jazz at night',
    capacity: 3,
    speakerCapacity: 50,
    maxOverflowRooms: 100,
    queueCapacity: 50_000,
    by: 'producer',
    parentRoomId: null,
    at: AT,
    prewarmed: true,
    expectedListeners,
  },
});

const warmSpawned = (n: number, expectedListeners: number): RoomEvent => ({
  type: 'OverflowRoomSpawned',
  data: { roomId: 'r', overflowRoomId: `r.overflow-${n}`, capacity: 3, at: AT, prewarmed: true, expectedListeners },
});

const doorsOpened: RoomEvent = { type: 'RoomDoorsOpened', data: { roomId: 'r', by: 'producer', at: AT } };
const join = (userId: string): RoomCommand => ({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as(userId) });

describe('PrewarmRoom', () => {
  it('opens the room with its doors closed and spawns the overflow rooms the audience needs, all marked prewarmed', () => {
    const state = given()
      .when(prewarm(8))
      .then([warmOpened(3), warmSpawned(1, 3), warmSpawned(2, 2)]);
    const context = state.snapshot.context;
    expect(context.doorsOpen).toBe(false);
    expect(context.warm).toBe(true);
    expect(context.moderators).toEqual(['producer']);
    expect([...context.seats.overflow.values()].map((o) => o.prewarmed)).toEqual([true, true]);
  });

  it('decided again, records nothing; a larger audience gets only the overflow rooms it lacks', () => {
    const history = [warmOpened(3), warmSpawned(1, 3)];
    given(...history)
      .when(prewarm(6))
      .then([]);
    given(...history)
      .when(prewarm(9))
      .then([warmSpawned(2, 3)]);
  });

  it('adds warm overflow rooms to a room opened by hand, as its moderator only', () => {
    const byHand = opened({ capacity: 3, maxOverflowRooms: 2 });
    const moderated = (command: RoomCommand) => given(byHand).when(command);
    moderated(prewarm(7, 'mod')).then([warmSpawned(1, 3), warmSpawned(2, 1)]);
    moderated(prewarm(7, 'someone')).thenThrows('NOT_A_MODERATOR');
  });

  it('stops at the overflow limit rather than refusing the whole warm-up', () => {
    const limited = opened({ capacity: 3, maxOverflowRooms: 2 });
    given(limited)
      .when(prewarm(30, 'mod'))
      .then([warmSpawned(1, 3), warmSpawned(2, 3)]);
  });

  it('refuses bad input and an ended room, writing nothing', () => {
    given()
      .when({ type: 'PrewarmRoom', data: { roomId: 'r', title: 'x', expectedAudience: -1 }, metadata: as('producer') })
      .thenThrows('INVALID_COMMAND', /expectedAudience/);
    const ended: RoomEvent = { type: 'RoomEnded', data: { roomId: 'r', by: 'mod', reason: 'ended', at: AT } };
    given(opened(), ended).when(prewarm(8)).thenThrows('ROOM_ENDED');
  });

  it('mirrors prewarmed to the overflow room it opens', () => {
    const state = replay([warmOpened(3), warmSpawned(1, 3)]);
    const [mirrored] = mirrorToOverflowRooms(state, warmSpawned(1, 3), AT);
    expect(mirrored?.event).toMatchObject({
      type: 'RoomOpened',
      data: { roomId: 'r.overflow-1', parentRoomId: 'r', prewarmed: true, expectedListeners: 3 },
    });
  });
});

describe('the doors of a prewarmed room', () => {
  const warm = [warmOpened(3), warmSpawned(1, 3)];

  it('keep every listener out until they open', () => {
    given(...warm)
      .when(join('ann'))
      .thenThrows('DOORS_CLOSED', /has not opened its doors yet/);
  });

  it('open once, by a moderator; then listeners join the room first', () => {
    given(...warm)
      .when({ type: 'OpenDoors', data: { roomId: 'r' }, metadata: as('someone') })
      .thenThrows('NOT_A_MODERATOR');
    given(...warm)
      .when({ type: 'OpenDoors', data: { roomId: 'r' }, metadata: as('producer') })
      .then([doorsOpened]);
    given(...warm, doorsOpened)
      .when({ type: 'OpenDoors', data: { roomId: 'r' }, metadata: as('producer') })
      .then([]);
    given(...warm, doorsOpened)
      .when(join('ann'))
      .then([admitted('ann')]);
  });

  it('are open in rooms opened by hand and in snapshots made before doors were kept', () => {
    given(opened())
      .when(join('ann'))
      .then([admitted('ann')]);
    const data = toSnapshotData(replay([opened()]));
    const { doorsOpen: _d, warm: _w, ...older } = data.context;
    const restored = fromSnapshotData({ ...data, context: older });
    expect(restored.snapshot.context.doorsOpen).toBe(true);
    expect(restored.snapshot.context.warm).toBe(false);
  });
});

describe('EndWarmUp', () => {
  const end: RoomCommand = { type: 'EndWarmUp', data: { roomId: 'r' }, metadata: as('producer') };
  const warmUpEnded: RoomEvent = { type: 'WarmUpEnded', data: { roomId: 'r', by: 'producer', at: AT } };
  const drained = (n: number): RoomEvent => ({
    type: 'OverflowRoomDrained',
    data: { roomId: 'r', overflowRoomId: `r.overflow-${n}` },
  });
  const filled = [
    warmOpened(3),
    warmSpawned(1, 3),
    warmSpawned(2, 2),
    doorsOpened,
    admitted('a'),
    admitted('b'),
    admitted('c'),
    full(),
    redirected('d', 1),
  ] satisfies RoomEvent[];

  it('drains the warm overflow rooms nobody sits in and keeps the others', () => {
    const state = given(...filled)
      .when(end)
      .then([drained(2), warmUpEnded]);
    expect(state.snapshot.context.warm).toBe(false);
    expect(state.snapshot.context.seats.overflow.get('r.overflow-1')?.open).toBe(true);
    expect(state.snapshot.context.seats.overflow.get('r.overflow-2')?.open).toBe(false);
  });

  it('records nothing once the warm-up is over, and only a moderator ends it', () => {
    given(...filled, drained(2), warmUpEnded)
      .when(end)
      .then([]);
    given(...filled)
      .when({ ...end, metadata: as('d') })
      .thenThrows('NOT_A_MODERATOR');
  });

  it('mirrors the end of the warm-up to the warm rooms that stay open', () => {
    const state = replay([...filled, drained(2), warmUpEnded]);
    expect(mirrorToOverflowRooms(state, warmUpEnded, AT)).toEqual([
      { roomId: 'r.overflow-1', event: { type: 'WarmUpEnded', data: { roomId: 'r.overflow-1', by: null, at: AT } } },
    ]);
  });
});
