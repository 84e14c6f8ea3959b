import { initialTransition, transition } from 'xstate';
import type { RoomEvent } from './events.ts';
import type { RoomContext } from './roomContext.ts';
import { GUARD_ONLY_EVENTS, roomMachine, type RoomSnapshot } from './roomMachine.ts';
import type { Member, OverflowSeats, Roster } from './seats.ts';
import { dequeue, enqueue } from './waitingRoom.ts';

/**
 * A room's state as its aggregate holds it: the machine's snapshot, and the
 * roster its context refers to (the same object, at hand). `evolve` updates
 * the roster and the seat ledger in place, so a state belongs to one owner,
 * who replaces it with what `evolve` returns.
 */
export interface RoomState {
  readonly snapshot: RoomSnapshot;
  readonly roster: Roster;
}

export type RoomStatus = 'idle' | 'live' | 'ended';

export const initialState = (): RoomState => {
  const snapshot = initialTransition(roomMachine)[0];
  return { snapshot, roster: snapshot.context.roster };
};

export const roomStatus = (state: RoomState): RoomStatus => {
  const value: unknown = state.snapshot.value;
  return typeof value === 'string' ? (value as RoomStatus) : 'live';
};

type LiveRegions = {
  capacity: 'open' | 'full';
  overflow: 'none' | 'spilling';
  headliner: 'none' | 'awaited' | 'present';
};

/** The open/full, none/spilling and none/awaited/present regions of a live room. */
export const liveRegions = (state: RoomState): LiveRegions | null => {
  const value: unknown = state.snapshot.value;
  return typeof value === 'string' ? null : (value as { live: LiveRegions }).live;
};

const seatCountOf = (context: RoomContext, roomId: string): { listeners: number } | OverflowSeats | undefined =>
  roomId === context.roomId ? context.seats : context.seats.overflow.get(roomId);

const unseat = (context: RoomContext, roster: Roster, userId: string, fromRoomId: string | null): void => {
  roster.members.delete(userId);
  roster.hands.delete(userId);
  if (fromRoomId === null) return;
  const room = seatCountOf(context, fromRoomId);
  if (room) room.listeners -= 1;
};

const seat = (context: RoomContext, roster: Roster, userId: string, member: Member): void => {
  roster.members.set(userId, member);
  if (member.role !== 'listener') return;
  const room = seatCountOf(context, member.roomId);
  if (room) room.listeners += 1;
};

/**
 * Applies one recorded event: `transition(roomMachine, snapshot, event)[0]`,
 * then the roster and seats. Events the machine only guards skip the
 * transition (it would return the same value and context).
 */
export const evolve = (state: RoomState, event: RoomEvent): RoomState => {
  const snapshot = GUARD_ONLY_EVENTS.has(event.type)
    ? state.snapshot
    : transition(roomMachine, state.snapshot, event)[0];
  const { roster } = state;
  const context = snapshot.context;
  switch (event.type) {
    case 'RoomOpened':
      if (event.data.by !== null && event.data.parentRoomId === null) {
        roster.members.set(event.data.by, { roomId: event.data.roomId, role: 'speaker' });
      }
      break;
    case 'ListenerAdmitted':
      seat(context, roster, event.data.userId, { roomId: event.data.roomId, role: 'listener' });
      break;
    case 'ListenerRedirectedToOverflow':
      seat(context, roster, event.data.userId, { roomId: event.data.overflowRoomId, role: 'listener' });
      break;
    case 'ListenerLeft':
      unseat(context, roster, event.data.userId, event.data.fromRoomId);
      break;
    case 'SpeakerLeft':
    case 'SpeakerMovedToAudience':
      unseat(context, roster, event.data.userId, null);
      break;
    case 'SpeakerInviteAccepted':
    case 'HeadlinerArrived':
      unseat(context, roster, event.data.userId, event.data.fromRoomId);
      roster.members.set(event.data.userId, { roomId: event.data.roomId, role: 'speaker' });
      break;
    case 'OverflowRoomSpawned':
      context.seats.overflow.set(event.data.overflowRoomId, {
        listeners: 0,
        capacity: event.data.capacity,
        open: true,
        ...(event.data.prewarmed === true ? { prewarmed: true } : {}),
      });
      break;
    case 'OverflowRoomDrained': {
      const room = context.seats.overflow.get(event.data.overflowRoomId);
      if (room) room.open = false;
      break;
    }
    case 'ListenerQueued':
      enqueue(context.waiting, event.data.userId);
      break;
    case 'ListenerAdmittedFromQueue':
    case 'ListenerLeftQueue':
      dequeue(context.waiting, event.data.userId);
      break;
    case 'RoomEnded':
      // Nobody waits for a room that is over.
      for (const userId of [...context.waiting.tickets.keys()]) dequeue(context.waiting, userId);
      break;
    case 'HandRaised':
      roster.hands.add(event.data.userId);
      break;
    case 'HandLowered':
      roster.hands.delete(event.data.userId);
      break;
    case 'RoomBecameFull':
    case 'RoomHadSeatsAgain':
    case 'SpeakerInvited':
    case 'ModeratorAdded':
    case 'HeadlinerAnnounced':
    case 'MediaSeatsGranted':
    case 'RoomDoorsOpened':
    case 'WarmUpEnded':
      break;
    default: {
      const unknown: never = event;
      throw new TypeError(`evolve: unknown event ${JSON.stringify(unknown)}`);
    }
  }
  return snapshot === state.snapshot ? state : { snapshot, roster };
};

/** Folds a stream's events from the initial state: replaying a room. */
export const replay = (events: Iterable<RoomEvent>, from: RoomState = initialState()): RoomState => {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
};
