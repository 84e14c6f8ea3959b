// Media seats: a family gated on media admits listeners only within the seats
// granted to it, decided in the same turn as the join; a node's seats are
// held for one family at a time, decided on the node's own stream.
import { describe, expect, it } from 'vitest';
import {
  chooseReservations,
  fromSnapshotData,
  replay,
  seatsWanted,
  toSnapshotData,
  type RoomCommand,
  type RoomEvent,
} from '../../src/domain/index.ts';
import { executeMediaNode, replayMediaNode, seatsFreeFor } from '../../src/domain/mediaNode.ts';
import type { MediaNodeCommand, MediaNodeEvent, MediaNodeState } from '../../src/domain/mediaNode.ts';
import {
  admitted,
  AT,
  as,
  deciderSpec,
  full,
  gatedOpened,
  given,
  mediaSeatsGranted,
  nodeProfile,
  opened,
  redirected,
  settings,
  spawned,
} from './given.ts';

const gated = gatedOpened();
const granted = mediaSeatsGranted;
const join = (actor: string): RoomCommand => ({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as(actor) });
const grant = (seats: number): RoomCommand => ({
  type: 'GrantMediaSeats',
  data: { roomId: 'r', seats },
  metadata: as('spillway-media-cluster'),
});

describe('a family gated on media seats', () => {
  it('records that it is gated when the command path opens it so, and not otherwise', () => {
    const open = (mediaGated?: boolean): RoomCommand => ({
      type: 'OpenRoom',
      data: {
        roomId: 'r',
        ...settings,
        ...(mediaGated === undefined ? {} : { mediaGated }),
      },
      metadata: as('mod'),
    });
    // Opened by a command, a room gets the default waiting room; `gated` and `opened()` are recorded without one.
    given()
      .when(open(true))
      .then([{ ...gated, data: { ...gated.data, queueCapacity: 50_000 } } as RoomEvent]);
    given()
      .when(open())
      .then([opened({ queueCapacity: 50_000 })]);
    expect(replay([gated]).snapshot.context.mediaSeats).toBe(0);
    expect(replay([opened()]).snapshot.context.mediaSeats).toBeNull();
  });

  it('with a waiting room, queues a listener media cannot serve and seats them in the step that grants the seat', () => {
    const withQueue = { ...gated, data: { ...gated.data, queueCapacity: 5 } } as RoomEvent;
    const queued = (userId: string, position: number): RoomEvent => ({
      type: 'ListenerQueued',
      data: { roomId: 'r', userId, position },
    });
    given(withQueue, granted(1), admitted('a'))
      .when(join('b'))
      .then([queued('b', 1)]);
    given(withQueue, granted(1), admitted('a'), queued('b', 1), queued('c', 2))
      .when(grant(2))
      .then([granted(2), { type: 'ListenerAdmittedFromQueue', data: { roomId: 'r', userId: 'b' } }, admitted('b')]);
  });

  it('refuses a join with MEDIA_CAPACITY before any seat is granted, recording nothing', () => {
    given(gated)
      .when(join('a'))
      .thenThrows('MEDIA_CAPACITY', /No media node has seats for the audio of room r.*spillway media-node/);
  });

  it('admits within its grant and refuses the next listener with a sentence naming the seats', () => {
    given(gated, granted(2), admitted('a'))
      .when(join('b'))
      .then([admitted('b')]);
    given(gated, granted(2), admitted('a'), admitted('b'))
      .when(join('c'))
      .thenThrows(
        'MEDIA_CAPACITY',
        /carries 2 listeners, all its media nodes reserved seats for \(2\).*Add a media node/,
      );
  });

  it('counts the whole family: no overflow room is spawned or filled past the grant', () => {
    const history = [gated, granted(4), admitted('a'), admitted('b'), admitted('c'), full()];
    given(...history)
      .when(join('d'))
      .then([spawned(1), redirected('d', 1)]);
    given(...history, spawned(1), redirected('d', 1))
      .when(join('e'))
      .thenThrows('MEDIA_CAPACITY');
    // The machine's own guard says the same, so no decider can slip a listener past it.
    const room = replay([...history, spawned(1), redirected('d', 1)]);
    expect(room.snapshot.can(redirected('e', 1))).toBe(false);
    expect(room.snapshot.can(admitted('e'))).toBe(false);
  });

  it('records a changed grant once, and a family that is not gated is never refused for media', () => {
    given(gated)
      .when(grant(5))
      .then([granted(5)]);
    given(gated, granted(5)).when(grant(5)).then([]);
    given(gated, granted(5))
      .when(grant(3))
      .then([granted(3)]);
    given(opened(), admitted('a'), admitted('b'))
      .when(join('c'))
      .then([admitted('c'), full()]);
    given(gated)
      .when({ ...grant(1.5) })
      .thenThrows('INVALID_COMMAND', /seats/);
  });

  it('keeps its seats in a snapshot, and reads a snapshot made before seats were kept as not gated', () => {
    const room = replay([gated, granted(7)]);
    expect(fromSnapshotData(toSnapshotData(room)).snapshot.context.mediaSeats).toBe(7);
    const { mediaSeats: _seats, ...older } = toSnapshotData(room).context;
    expect(fromSnapshotData({ ...toSnapshotData(room), context: older }).snapshot.context.mediaSeats).toBeNull();
  });
});

const node = deciderSpec<MediaNodeEvent, MediaNodeCommand, MediaNodeState>(replayMediaNode, executeMediaNode);
const joinedB: MediaNodeEvent = { type: 'MediaNodeJoined', data: { ...nodeProfile(), at: AT } };
const reserve = (familyId: string, seats: number, instanceId = 'i1'): MediaNodeCommand => ({
  type: 'ReserveMediaSeats',
  data: { nodeId: 'b', instanceId, familyId, seats },
  metadata: { actor: 'system', at: AT },
});
const reserved = (familyId: string, seats: number): MediaNodeEvent => ({
  type: 'MediaSeatsReserved',
  data: { nodeId: 'b', instanceId: 'i1', familyId, seats, at: AT },
});

describe('seats held on a media node', () => {
  it('gives a family as many seats as are free, and the next family only what is left', () => {
    node(joinedB)
      .when(reserve('f', 6))
      .then([reserved('f', 6)]);
    node(joinedB, reserved('f', 6))
      .when(reserve('g', 6))
      .then([reserved('g', 4)]);
    node(joinedB, reserved('f', 6), reserved('g', 4)).when(reserve('h', 1)).then([]);
    node(joinedB, reserved('f', 6)).when(reserve('f', 6)).then([]);
  });

  it('frees what a family gives back, and holds nothing once the node is lost or for another instance', () => {
    node(joinedB, reserved('f', 6))
      .when(reserve('f', 0))
      .then([reserved('f', 0)]);
    node(joinedB, reserved('f', 10), reserved('f', 0))
      .when(reserve('g', 10))
      .then([reserved('g', 10)]);
    const lost: MediaNodeEvent = {
      type: 'MediaNodeDeclaredLost',
      data: { nodeId: 'b', instanceId: 'i1', reason: 'silent', at: AT },
    };
    expect(seatsFreeFor(replayMediaNode([joinedB, reserved('f', 10), lost]), 'g')).toBe(0);
    expect(replayMediaNode([joinedB, reserved('f', 10), lost]).reservations.size).toBe(0);
    node(joinedB, reserved('f', 10), lost).when(reserve('g', 5)).then([]);
    node(joinedB)
      .when(reserve('g', 5, 'i0'))
      .then([]);
    node(joinedB)
      .when(reserve('g', -1))
      .thenThrows('INVALID_COMMAND', /seats must be a whole number/);
  });
});

describe('choosing reservations', () => {
  const nodeSeats = (nodeId: string, capacity: number, reservations: Record<string, number> = {}) => ({
    nodeId,
    instanceId: `${nodeId}-1`,
    capacity,
    reservations,
  });

  it('holds a surge’s room on the family’s own nodes first, then on the roomiest', () => {
    const choices = chooseReservations(
      [{ familyId: 'f', live: true, listeners: 300, expectedAudience: 0, nodes: ['c'] }],
      [nodeSeats('b', 1000), nodeSeats('c', 200), nodeSeats('d', 100)],
    );
    expect(seatsWanted(300)).toBe(550);
    expect(seatsWanted(300, 5_000)).toBe(5_000);
    expect(choices.map((c) => [c.data.nodeId, c.data.seats])).toEqual([
      ['c', 200],
      ['b', 350],
    ]);
  });

  it('gives back what ended families hold before the live ones take, and never hands a seat out twice', () => {
    const choices = chooseReservations(
      [
        { familyId: 'ended', live: false, listeners: 0, expectedAudience: 0, nodes: ['b'] },
        { familyId: 'f', live: true, listeners: 0, expectedAudience: 0, nodes: [] },
        { familyId: 'g', live: true, listeners: 0, expectedAudience: 0, nodes: [] },
      ],
      [nodeSeats('b', 300, { ended: 300 })],
    );
    expect(choices.map((c) => [c.data.familyId, c.data.seats])).toEqual([
      ['ended', 0],
      ['f', 250],
      ['g', 50],
    ]);
  });
});
