import { describe, expect, it } from 'vitest';
import {
  execute,
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

  const queued = (userId: string, position: number): RoomEvent => ({
    type: 'ListenerQueued',
    data: { roomId: 'r', userId, position },
  });
  const fromQueue = (userId: string): RoomEvent => ({
    type: 'ListenerAdmittedFromQueue',
    data: { roomId: 'r', userId },
  });
  const openDoors: RoomCommand = { type: 'OpenDoors', data: { roomId: 'r' }, metadata: as('producer') };
  const early = [queued('ann', 1), queued('bob', 2), queued('cy', 3), queued('dee', 4)];

  it('seat no listener until they open: an early arrival waits in the waiting room, in the order they came', () => {
    given(...warm)
      .when(join('ann'))
      .then([queued('ann', 1)]);
    given(...warm, queued('ann', 1))
      .when(join('bob'))
      .then([queued('bob', 2)]);
    // Asked again while waiting: the same place, nothing recorded; nor does a nudge seat anyone yet.
    given(...warm, queued('ann', 1))
      .when(join('ann'))
      .then([]);
    given(...warm, queued('ann', 1))
      .when({ type: 'AdmitFromQueue', data: { roomId: 'r' }, metadata: as('spillway') })
      .then([]);
  });

  it('when they open, seat the early arrivals in order: the room first, then the warm overflow rooms', () => {
    const state = given(...warm, ...early)
      .when(openDoors)
      .then([
        doorsOpened,
        fromQueue('ann'),
        admitted('ann'),
        fromQueue('bob'),
        admitted('bob'),
        fromQueue('cy'),
        admitted('cy'),
        full(),
        fromQueue('dee'),
        redirected('dee', 1),
      ]);
    expect(state.snapshot.context.waiting.tickets.size).toBe(0);
    expect(state.roster.members.get('dee')).toEqual({ roomId: 'r.overflow-1', role: 'listener' });
  });

  it('hold early arrivals within the waiting room’s limit, and without one refuse them with DOORS_CLOSED', () => {
    const small = (queueCapacity: number): RoomEvent => {
      const opened = warmOpened(3);
      return { ...opened, data: { ...opened.data, queueCapacity } } as RoomEvent;
    };
    given(small(2), queued('ann', 1), queued('bob', 2))
      .when(join('cy'))
      .thenThrows('ROOM_FULL', /has not opened its doors yet and its waiting room is full \(2 listeners wait/);
    given(small(0))
      .when(join('ann'))
      .thenThrows('DOORS_CLOSED', /has not opened its doors yet; join when the session starts/);
  });

  it('leave the stage as it was: the producer is on it, a speaker stepping down waits like everyone, the headliner goes up from the line', () => {
    given(...warm)
      .when(join('producer'))
      .thenThrows('ALREADY_IN_ROOM');
    // The producer stepping down from the stage before the doors open waits for a seat like everyone.
    given(...warm, queued('ann', 1))
      .when({ type: 'MoveToAudience', data: { roomId: 'r', userId: 'producer' }, metadata: as('producer') })
      .then([
        { type: 'SpeakerMovedToAudience', data: { roomId: 'r', userId: 'producer', by: 'producer' } },
        queued('producer', 2),
      ]);
    const announced: RoomEvent = {
      type: 'HeadlinerAnnounced',
      data: { roomId: 'r', userId: 'star', expectedAudience: 8, by: 'producer' },
    };
    const state = given(...warm, queued('ann', 1), queued('star', 2), queued('bob', 3), announced)
      .when({ type: 'MarkHeadlinerArrived', data: { roomId: 'r' }, metadata: as('producer') })
      .then([
        { type: 'ListenerLeftQueue', data: { roomId: 'r', userId: 'star' } },
        { type: 'HeadlinerArrived', data: { roomId: 'r', userId: 'star', fromRoomId: null } },
      ]);
    expect(state.snapshot.context.speakers).toContain('star');
    expect([...state.snapshot.context.waiting.tickets.keys()]).toEqual(['ann', 'bob']);
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

  it('after half the audience expected, drains the warm rooms it never reached: rooms fill in order', () => {
    // Rooms of 3 warmed for 12: the room and three overflow rooms. Six come.
    const warm12 = [warmOpened(3), warmSpawned(1, 3), warmSpawned(2, 3), warmSpawned(3, 3), doorsOpened];
    let state = replay(warm12);
    for (const userId of ['a', 'b', 'c', 'd', 'e', 'f']) state = execute(state, join(userId)).state;
    const seated = (id: string) => state.snapshot.context.seats.overflow.get(id)?.listeners;
    expect(state.snapshot.context.seats.listeners).toBe(3);
    expect(['r.overflow-1', 'r.overflow-2', 'r.overflow-3'].map(seated)).toEqual([3, 0, 0]);
    const { events } = execute(state, end);
    expect(events).toEqual([drained(2), drained(3), warmUpEnded]);
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
