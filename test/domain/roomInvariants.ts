// The invariants the room property test checks after every step, and the
// state summary it compares before and after refused commands and replays.
import { expect } from 'vitest';
import { roomStatus, type RoomCommand, type RoomEvent, type RoomState } from '../../src/domain/index.ts';
import { liveRegions } from '../../src/domain/room.ts';

/** The user who opens the room under test (its first moderator). */
export const OPENER = 'mod';

export const summarize = (state: RoomState): string => {
  const { seats, waiting, ...context } = state.snapshot.context;
  return JSON.stringify({
    waiting: [...waiting.tickets],
    ticketsIssued: waiting.issued,
    ranks: waiting.ranks,
    value: state.snapshot.value,
    status: state.snapshot.status,
    context,
    listeners: seats.listeners,
    overflow: [...seats.overflow],
    members: [...state.roster.members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    hands: [...state.roster.hands],
  });
};

// Checks in the hot loop cost next to nothing until one fails (vitest's `expect` costs far more than the
// domain under test); then `expect` says what differs.
export const ensure = (ok: boolean, message: string): void => {
  if (!ok) expect.fail(message);
};
export const ensureSame = (actual: unknown, expected: unknown, message: string): void => {
  if (!Object.is(actual, expected)) expect(actual, message).toBe(expected);
};
export const ensureSameSummary = (actual: string, expected: string, message: string): void => {
  if (actual !== expected) expect(JSON.parse(actual), message).toEqual(JSON.parse(expected));
};
const sameMembers = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

const openOverflow = (state: RoomState): number =>
  [...state.snapshot.context.seats.overflow.values()].filter((room) => room.open).length;

/**
 * No seat anywhere in the family, and no overflow room may be spawned at `at`
 * (as many open as allowed, or as many spawned in the last ten minutes): the
 * one reason to refuse a join.
 */
export const familyIsFull = (state: RoomState, at: string): boolean => {
  const { settings, seats, recentSpawns } = state.snapshot.context;
  const spawnedLately = recentSpawns.filter((spawnedAt) => spawnedAt > Date.parse(at) - 10 * 60_000).length;
  return (
    seats.listeners >= settings.capacity &&
    [...seats.overflow.values()].every((room) => !room.open || room.listeners >= room.capacity) &&
    (openOverflow(state) >= settings.maxOverflowRooms || spawnedLately >= settings.maxOverflowRooms)
  );
};

/** Listeners seated in the family, main room and overflow rooms. */
export const familyListeners = (state: RoomState): number => {
  const { seats } = state.snapshot.context;
  return [...seats.overflow.values()].reduce((n, room) => n + room.listeners, seats.listeners);
};

export const MODERATOR_ONLY = new Set<RoomCommand['type']>([
  'InviteToSpeak',
  'AddModerator',
  'AnnounceHeadliner',
  'MarkHeadlinerArrived',
  'EndRoom',
]);

/** The invariants of a family's live state (as opposed to how it got there). */
export const checkInvariants = (state: RoomState): void => {
  const { roomId, settings, seats, speakers, moderators, invited } = state.snapshot.context;
  const { members, hands } = state.roster;
  const status = roomStatus(state);
  ensure(status === 'live' || status === 'ended', `status ${status}`);

  // Seats.
  ensure(seats.listeners >= 0, `main room listeners ${seats.listeners}`);
  ensure(seats.listeners <= settings.capacity, `main room over capacity: ${seats.listeners} > ${settings.capacity}`);
  for (const [id, room] of seats.overflow) {
    ensure(/^r\.overflow-\d+$/.test(id), `overflow room id ${id}`);
    ensureSame(room.capacity, settings.capacity, `capacity of ${id}`);
    ensure(room.listeners >= 0, `${id} listeners ${room.listeners}`);
    ensure(room.listeners <= room.capacity, `${id} over capacity: ${room.listeners} > ${room.capacity}`);
    // An open overflow room always has someone in it: the last one out drains it.
    if (room.open) ensure(room.listeners > 0, `open overflow room ${id} is empty`);
    else ensureSame(room.listeners, 0, `listeners in drained overflow room ${id}`);
  }
  const open = openOverflow(state);
  ensure(open <= settings.maxOverflowRooms, `${open} open overflow rooms > ${settings.maxOverflowRooms}`);

  // The stage.
  ensure(speakers.length <= settings.speakerCapacity, `${speakers.length} speakers > ${settings.speakerCapacity}`);
  ensureSame(new Set(speakers).size, speakers.length, 'speakers listed twice');
  ensureSame(new Set(moderators).size, moderators.length, 'moderators listed twice');
  ensure(moderators.includes(OPENER), 'the opener is no longer a moderator');
  for (const id of invited) ensure(!speakers.includes(id), `${id} is both invited and a speaker`);

  // The roster: one place per user; recounting it gives the ledger.
  const counted = new Map<string, number>();
  const onStage: string[] = [];
  for (const [id, member] of members) {
    if (member.role === 'speaker') {
      ensureSame(member.roomId, roomId, `room of speaker ${id}`);
      onStage.push(id);
      continue;
    }
    if (member.roomId !== roomId) {
      const room = seats.overflow.get(member.roomId);
      ensure(room !== undefined, `${id} sits in unknown room ${member.roomId}`);
      ensure(room!.open, `${id} sits in drained room ${member.roomId}`);
    }
    counted.set(member.roomId, (counted.get(member.roomId) ?? 0) + 1);
  }
  ensureSame(counted.get(roomId) ?? 0, seats.listeners, 'main room listeners, recounted from the roster');
  for (const [id, room] of seats.overflow) {
    ensureSame(counted.get(id) ?? 0, room.listeners, `${id} listeners, recounted from the roster`);
  }
  if (!sameMembers(onStage, speakers))
    expect([...onStage].sort(), 'speakers in the roster').toEqual([...speakers].sort());

  // Hands are raised only by listeners present in the family.
  for (const id of hands) ensureSame(members.get(id)?.role, 'listener', `role of ${id}, whose hand is up`);

  // The machine's regions say what the ledger says.
  const regions = liveRegions(state);
  if (status === 'live') {
    ensure(regions !== null, 'a live room without regions');
    ensureSame(
      regions!.capacity === 'full',
      seats.listeners === settings.capacity,
      `capacity region ${regions!.capacity} with ${seats.listeners}/${settings.capacity} listeners`,
    );
    ensureSame(
      regions!.overflow === 'spilling',
      open > 0,
      `overflow region ${regions!.overflow} with ${open} open overflow rooms`,
    );
  } else {
    ensure(regions === null, 'an ended room with live regions');
  }
};

// ---------------------------------------------------------------------------
// Overflow rooms' own streams, folded from what the mirror produces event by event.

export interface OverflowStream {
  state: RoomState;
  readonly events: RoomEvent[];
}

export const checkOverflowStreams = (family: RoomState, streams: Map<string, OverflowStream>): void => {
  const { roomId, seats } = family.snapshot.context;
  const familyEnded = roomStatus(family) === 'ended';
  if (!sameMembers([...streams.keys()], [...seats.overflow.keys()])) {
    expect([...streams.keys()].sort(), 'overflow rooms with a stream').toEqual([...seats.overflow.keys()].sort());
  }
  for (const [id, room] of seats.overflow) {
    const own = streams.get(id)!.state;
    const context = own.snapshot.context;
    ensureSame(context.roomId, id, `${id}'s own stream: roomId`);
    ensureSame(context.parentRoomId, roomId, `${id}'s own stream: parentRoomId`);
    ensureSame(context.settings.capacity, room.capacity, `${id}'s own stream: capacity`);
    ensureSame(
      context.seats.listeners,
      room.listeners,
      `${id}'s own stream: listeners (the main room's ledger says ${room.listeners})`,
    );
    ensureSame(
      roomStatus(own) === 'ended',
      familyEnded || !room.open,
      `${id}'s own stream: ended (${roomStatus(own)}), family ended ${familyEnded}, drained ${!room.open}`,
    );
    const inHere = [...family.roster.members]
      .filter(([, m]) => m.role === 'listener' && m.roomId === id)
      .map(([u]) => u);
    if (!sameMembers([...own.roster.members.keys()], inHere)) {
      expect([...own.roster.members.keys()].sort(), `${id}'s own stream: who is in it`).toEqual(inHere.sort());
    }
    if (roomStatus(own) === 'live') {
      ensureSame(
        liveRegions(own)!.capacity === 'full',
        context.seats.listeners === context.settings.capacity,
        `${id}'s own capacity region`,
      );
    }
  }
};

// ---------------------------------------------------------------------------
