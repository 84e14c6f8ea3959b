import {
  DEFAULT_CAPACITY,
  DEFAULT_MAX_OVERFLOW_ROOMS,
  DEFAULT_SPEAKER_CAPACITY,
  type RoomCommand,
} from './commands.ts';
import { invalidCommand } from './errors.ts';
import type { RoomEvent, RoomEventType, RoomSettings } from './events.ts';
import { liveRegions, roomStatus, type RoomState } from './room.ts';
import {
  arrivesOnce,
  demand,
  hasSeat,
  headlinerAnnounced,
  inFamily,
  isAtCapacity,
  isInvited,
  isModerator,
  isSpeaker,
  lifecycleRefusal,
  mainRoomOnly,
  maySpawnOverflow,
  mediaHasSeat,
  notInFamily,
  refusalOf,
  stageHasRoom,
} from './roomRules.ts';
import { decideEndWarmUp, decidePrewarm } from './prewarm.ts';
import { overflowRoomId } from './roomContext.ts';
import { roomiestOverflow } from './seats.ts';
import {
  MAX_AUDIENCE,
  MAX_MEDIA_SEATS,
  MAX_CAPACITY,
  requireActor,
  requireId,
  requireText,
  requireTitle,
  wholeNumber,
} from './validation.ts';

const orDefault = (name: string, value: unknown, fallback: number, min: number, max: number): number =>
  value === undefined ? fallback : wholeNumber(name, value, min, max);

const settingsFrom = (data: {
  title?: string;
  capacity?: number;
  speakerCapacity?: number;
  maxOverflowRooms?: number;
}): RoomSettings => ({
  title: requireTitle('room', data.title),
  capacity: orDefault('capacity', data.capacity, DEFAULT_CAPACITY, 1, MAX_CAPACITY),
  speakerCapacity: orDefault('speakerCapacity', data.speakerCapacity, DEFAULT_SPEAKER_CAPACITY, 1, 1000),
  maxOverflowRooms: orDefault('maxOverflowRooms', data.maxOverflowRooms, DEFAULT_MAX_OVERFLOW_ROOMS, 0, 10_000),
});

export { overflowRoomId };

const OVERFLOW_ID = /^(.+)\.overflow-\d+$/;

/** The main room of the family a room belongs to (itself, for a main room). */
export const familyRootOf = (roomId: string): string => OVERFLOW_ID.exec(roomId)?.[1] ?? roomId;

/** The event a command would record first: the lifecycle rules are asked about it before anything else. */
const FIRST_EVENT: Record<RoomCommand['type'], RoomEventType> = {
  OpenRoom: 'RoomOpened',
  JoinRoom: 'ListenerAdmitted',
  LeaveRoom: 'ListenerLeft',
  RaiseHand: 'HandRaised',
  LowerHand: 'HandLowered',
  InviteToSpeak: 'SpeakerInvited',
  AcceptInvite: 'SpeakerInviteAccepted',
  MoveToAudience: 'SpeakerMovedToAudience',
  AddModerator: 'ModeratorAdded',
  AnnounceHeadliner: 'HeadlinerAnnounced',
  MarkHeadlinerArrived: 'HeadlinerArrived',
  EndRoom: 'RoomEnded',
  GrantMediaSeats: 'MediaSeatsGranted',
  PrewarmRoom: 'RoomOpened',
  OpenDoors: 'RoomDoorsOpened',
  EndWarmUp: 'WarmUpEnded',
};

/**
 * Seats a listener: in the main room while it has a seat (announcing when it
 * fills), else in the open overflow room with the most free seats, else in a
 * newly spawned one. Decided against one state, so two joins in one turn can
 * never both take the last seat or both spawn.
 */
const seatListener = (state: RoomState, userId: string, at: string): RoomEvent[] => {
  const context = state.snapshot.context;
  const { roomId, settings, seats } = context;
  // Asked first: no seat is chosen, and no overflow room spawned, for a listener media cannot serve.
  demand(mediaHasSeat, context);
  if (hasSeat.holds(context)) {
    const admitted: RoomEvent = { type: 'ListenerAdmitted', data: { roomId, userId } };
    return seats.listeners + 1 === settings.capacity
      ? [admitted, { type: 'RoomBecameFull', data: { roomId } }]
      : [admitted];
  }
  const roomiest = roomiestOverflow(seats);
  if (roomiest) {
    return [{ type: 'ListenerRedirectedToOverflow', data: { roomId, userId, overflowRoomId: roomiest[0] } }];
  }
  const spawnedId = overflowRoomId(roomId, context.overflowSpawned + 1);
  // Asked here, not left to the guard: the redirect after the spawn would be refused too late.
  demand(maySpawnOverflow, context, spawnedId, at);
  return [
    { type: 'OverflowRoomSpawned', data: { roomId, overflowRoomId: spawnedId, capacity: settings.capacity, at } },
    { type: 'ListenerRedirectedToOverflow', data: { roomId, userId, overflowRoomId: spawnedId } },
  ];
};

/** What freeing a listener's seat in `fromRoomId` entails: seats again in the main room, or a drained overflow room. */
const seatFreed = (state: RoomState, fromRoomId: string): RoomEvent[] => {
  const { roomId, seats } = state.snapshot.context;
  if (fromRoomId === roomId) {
    return isAtCapacity(state.snapshot.context) ? [{ type: 'RoomHadSeatsAgain', data: { roomId } }] : [];
  }
  const room = seats.overflow.get(fromRoomId);
  return room && room.open && room.listeners === 1
    ? [{ type: 'OverflowRoomDrained', data: { roomId, overflowRoomId: fromRoomId } }]
    : [];
};

/**
 * Records `event` unless what it records is already so; a request the rules
 * refuse is still proposed, so that the machine says why rather than nothing.
 */
const unlessDone = (state: RoomState, event: RoomEvent, done: boolean): RoomEvent[] =>
  done && refusalOf(state.snapshot.context, event) === undefined ? [] : [event];

/** Where a user about to take the stage listened, if anywhere: their seat is freed as they go up. */
const stageFrom = (state: RoomState, userId: string): string | null => {
  const member = state.roster.members.get(userId);
  return member?.role === 'listener' ? member.roomId : null;
};

/**
 * Turns a command into the events that record it. Pure: reads the state,
 * changes nothing. Whether each event may happen is the machine's answer
 * (its guards are the rules of roomRules.ts, and `execute` reports the rule
 * that refused). The decider asks a rule itself only where it must know
 * before proposing: to pick a seat, or because a later event of the same
 * command would be refused after the earlier ones were applied.
 */
export const decide = (state: RoomState, command: RoomCommand): RoomEvent[] => {
  // Opens the room or adds to it, whichever it finds: the lifecycle below would refuse one of the two.
  if (command.type === 'PrewarmRoom') return decidePrewarm(state, command, settingsFrom);
  const context = state.snapshot.context;
  const roomId = requireText('roomId', command.data.roomId);
  const actor = requireActor(command.metadata.actor);
  const status = roomStatus(state);
  const refusal = lifecycleRefusal(status, roomId, FIRST_EVENT[command.type]);
  if (refusal) throw refusal;
  if (status !== 'idle' && context.roomId !== roomId) {
    throw invalidCommand(`This is room ${context.roomId}; the command names room ${roomId}.`);
  }
  demand(mainRoomOnly, context);

  switch (command.type) {
    case 'OpenRoom': {
      requireId('roomId', roomId);
      return [
        {
          type: 'RoomOpened',
          data: {
            roomId,
            ...settingsFrom(command.data),
            by: actor,
            parentRoomId: null,
            at: command.metadata.at,
            ...(command.data.mediaGated === true ? { mediaGated: true as const } : {}),
          },
        },
      ];
    }
    case 'JoinRoom':
      demand(notInFamily, context, actor);
      return seatListener(state, actor, command.metadata.at);
    case 'LeaveRoom': {
      demand(inFamily, context, actor);
      const member = state.roster.members.get(actor)!;
      if (member.role === 'speaker') return [{ type: 'SpeakerLeft', data: { roomId, userId: actor } }];
      return [
        { type: 'ListenerLeft', data: { roomId, userId: actor, fromRoomId: member.roomId } },
        ...seatFreed(state, member.roomId),
      ];
    }
    case 'RaiseHand':
      return unlessDone(state, { type: 'HandRaised', data: { roomId, userId: actor } }, state.roster.hands.has(actor));
    case 'LowerHand': {
      const userId = command.data.userId ?? actor;
      const lowered: RoomEvent = { type: 'HandLowered', data: { roomId, userId, by: actor } };
      return unlessDone(state, lowered, !state.roster.hands.has(userId));
    }
    case 'InviteToSpeak': {
      const { userId } = command.data;
      const invited: RoomEvent = { type: 'SpeakerInvited', data: { roomId, userId, by: actor } };
      return unlessDone(state, invited, isInvited.holds(context, userId));
    }
    case 'AcceptInvite': {
      const fromRoomId = stageFrom(state, actor);
      return [
        { type: 'SpeakerInviteAccepted', data: { roomId, userId: actor, fromRoomId } },
        ...(fromRoomId === null ? [] : seatFreed(state, fromRoomId)),
      ];
    }
    case 'MoveToAudience': {
      const { userId } = command.data;
      const moved: RoomEvent = { type: 'SpeakerMovedToAudience', data: { roomId, userId, by: actor } };
      if (!state.snapshot.can(moved)) return [moved];
      return [moved, ...seatListener(state, userId, command.metadata.at)];
    }
    case 'AddModerator': {
      const userId = requireText('userId', command.data.userId);
      const added: RoomEvent = { type: 'ModeratorAdded', data: { roomId, userId, by: actor } };
      return unlessDone(state, added, isModerator.holds(context, userId, 'add moderators'));
    }
    case 'AnnounceHeadliner': {
      const userId = requireText('userId', command.data.userId);
      const expectedAudience = orDefault('expectedAudience', command.data.expectedAudience, 0, 0, MAX_AUDIENCE);
      return [{ type: 'HeadlinerAnnounced', data: { roomId, userId, expectedAudience, by: actor } }];
    }
    case 'MarkHeadlinerArrived': {
      demand(isModerator, context, actor, 'mark the headliner arrived');
      demand(headlinerAnnounced, context);
      const userId = context.headliner!.userId;
      // The headliner already on stage: nothing to record (asked before "arrived once", on purpose).
      if (isSpeaker.holds(context, userId)) return [];
      const once = arrivesOnce(liveRegions(state)?.headliner ?? 'none', context);
      if (once) throw once;
      demand(stageHasRoom, context);
      const fromRoomId = stageFrom(state, userId);
      return [
        { type: 'HeadlinerArrived', data: { roomId, userId, fromRoomId } },
        ...(fromRoomId === null ? [] : seatFreed(state, fromRoomId)),
      ];
    }
    case 'EndRoom':
      return [{ type: 'RoomEnded', data: { roomId, by: actor, reason: 'ended', at: command.metadata.at } }];
    case 'GrantMediaSeats': {
      const seats = wholeNumber('seats', command.data.seats, 0, MAX_MEDIA_SEATS);
      if (context.mediaSeats === seats) return [];
      return [{ type: 'MediaSeatsGranted', data: { roomId, seats, at: command.metadata.at } }];
    }
    case 'OpenDoors': {
      const opened: RoomEvent = { type: 'RoomDoorsOpened', data: { roomId, by: actor, at: command.metadata.at } };
      return unlessDone(state, opened, context.doorsOpen);
    }
    case 'EndWarmUp':
      return decideEndWarmUp(state, command);
    default: {
      const unknown: never = command;
      throw invalidCommand(`Unknown command ${JSON.stringify((unknown as { type?: unknown }).type)}.`);
    }
  }
};
