import {
  DEFAULT_CAPACITY,
  DEFAULT_MAX_OVERFLOW_ROOMS,
  DEFAULT_SPEAKER_CAPACITY,
  type RoomCommand,
} from './commands.ts';
import { DomainError, invalidCommand, notAModerator, roomEnded, roomNotFound } from './errors.ts';
import type { RoomEvent, RoomSettings } from './events.ts';
import { liveRegions, roomStatus, type RoomState } from './room.ts';
import { roomiestOverflow } from './seats.ts';
import { requireTitle } from './titles.ts';

const MAX_CAPACITY = 1_000_000;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const wholeNumber = (name: string, value: unknown, fallback: number, min: number, max: number): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidCommand(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}.`);
  }
  return value;
};

const settingsFrom = (data: {
  title?: string;
  capacity?: number;
  speakerCapacity?: number;
  maxOverflowRooms?: number;
}): RoomSettings => {
  return {
    title: requireTitle('room', data.title),
    capacity: wholeNumber('capacity', data.capacity, DEFAULT_CAPACITY, 1, MAX_CAPACITY),
    speakerCapacity: wholeNumber('speakerCapacity', data.speakerCapacity, DEFAULT_SPEAKER_CAPACITY, 1, 1000),
    maxOverflowRooms: wholeNumber('maxOverflowRooms', data.maxOverflowRooms, DEFAULT_MAX_OVERFLOW_ROOMS, 0, 10_000),
  };
};

/** The id of a family's n-th overflow room: derived, so the domain needs no id source. */
export const overflowRoomId = (roomId: string, n: number): string => `${roomId}.overflow-${n}`;

const OVERFLOW_ID = /^(.+)\.overflow-\d+$/;
const MAIN_ROOM_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** The main room of the family a room belongs to (itself, for a main room). */
export const familyRootOf = (roomId: string): string => OVERFLOW_ID.exec(roomId)?.[1] ?? roomId;

const requireMainRoomId = (roomId: string): void => {
  if (!MAIN_ROOM_ID.test(roomId)) {
    throw invalidCommand(`Room id "${roomId}" must be 1 to 100 letters, digits, "-" or "_".`);
  }
};

/**
 * Seats a listener: in the main room while it has a seat (announcing when it
 * fills), else in the open overflow room with the most free seats, else in a
 * newly spawned one. Decided against one state, so two joins in one turn can
 * never both take the last seat or both spawn.
 */
const seatListener = (state: RoomState, userId: string): RoomEvent[] => {
  const context = state.snapshot.context;
  const { roomId, settings, seats } = context;
  if (seats.listeners < settings.capacity) {
    const admitted: RoomEvent = { type: 'ListenerAdmitted', data: { roomId, userId } };
    return seats.listeners + 1 === settings.capacity
      ? [admitted, { type: 'RoomBecameFull', data: { roomId } }]
      : [admitted];
  }
  const roomiest = roomiestOverflow(seats);
  if (roomiest) {
    return [{ type: 'ListenerRedirectedToOverflow', data: { roomId, userId, overflowRoomId: roomiest[0] } }];
  }
  const open = [...seats.overflow.values()].filter((room) => room.open).length;
  if (open >= settings.maxOverflowRooms) {
    throw new DomainError(
      'ROOM_FULL',
      `Room ${roomId} and all of its ${open} overflow rooms are full (the limit is ${settings.maxOverflowRooms} overflow rooms); try again when someone leaves.`,
    );
  }
  const spawnedId = overflowRoomId(roomId, context.overflowSpawned + 1);
  return [
    { type: 'OverflowRoomSpawned', data: { roomId, overflowRoomId: spawnedId, capacity: settings.capacity } },
    { type: 'ListenerRedirectedToOverflow', data: { roomId, userId, overflowRoomId: spawnedId } },
  ];
};

/** What freeing a listener's seat in `fromRoomId` entails: seats again in the main room, or a drained overflow room. */
const seatFreed = (state: RoomState, fromRoomId: string): RoomEvent[] => {
  const { roomId, settings, seats } = state.snapshot.context;
  if (fromRoomId === roomId) {
    return seats.listeners === settings.capacity ? [{ type: 'RoomHadSeatsAgain', data: { roomId } }] : [];
  }
  const room = seats.overflow.get(fromRoomId);
  return room && room.open && room.listeners === 1
    ? [{ type: 'OverflowRoomDrained', data: { roomId, overflowRoomId: fromRoomId } }]
    : [];
};

const requireModerator = (state: RoomState, actor: string, what: string): void => {
  const { roomId, moderators } = state.snapshot.context;
  if (!moderators.includes(actor)) throw notAModerator(roomId, actor, what);
};

const requireMember = (state: RoomState, userId: string) => {
  const member = state.roster.members.get(userId);
  if (!member) {
    throw new DomainError(
      'NOT_IN_ROOM',
      `${userId} is not in room ${state.snapshot.context.roomId} or its overflow rooms.`,
    );
  }
  return member;
};

const requireStageRoom = (state: RoomState): void => {
  const { roomId, speakers, settings } = state.snapshot.context;
  if (speakers.length >= settings.speakerCapacity) {
    throw new DomainError(
      'STAGE_FULL',
      `The stage of room ${roomId} is full (${settings.speakerCapacity} speakers); move a speaker to the audience first.`,
    );
  }
};

/**
 * Turns a command into the events that record it, or refuses it with a
 * DomainError saying why. Pure: reads the state, changes nothing. The
 * aggregate then accepts each event only if `snapshot.can(event)`.
 */
export const decide = (state: RoomState, command: RoomCommand): RoomEvent[] => {
  const status = roomStatus(state);
  const context = state.snapshot.context;
  const { roomId } = command.data;
  const actor = command.metadata.actor;
  if (typeof roomId !== 'string' || roomId.length === 0) throw invalidCommand('roomId must be a non-empty string.');
  if (typeof actor !== 'string' || actor.length === 0)
    throw invalidCommand('Every command needs an actor (a user id).');
  if (status === 'ended') throw roomEnded(roomId);
  if (status === 'idle' && command.type !== 'OpenRoom' && command.type !== 'ScheduleRoom') throw roomNotFound(roomId);
  if (status !== 'idle' && context.roomId !== roomId) {
    throw invalidCommand(`This is room ${context.roomId}; the command names room ${roomId}.`);
  }
  if (context.parentRoomId !== null) {
    throw new DomainError(
      'OVERFLOW_ROOM_IS_LISTEN_ONLY',
      `Room ${roomId} is an overflow room of ${context.parentRoomId}; send the command to the main room.`,
    );
  }
  const requireLive = (): void => {
    if (status !== 'live') {
      throw new DomainError('ROOM_NOT_LIVE', `Room ${roomId} is scheduled but not open yet; wait for it to open.`);
    }
  };

  switch (command.type) {
    case 'ScheduleRoom': {
      requireMainRoomId(roomId);
      if (status !== 'idle') throw new DomainError('ROOM_ALREADY_EXISTS', `Room ${roomId} already exists.`);
      if (!ISO_TIME.test(command.data.startsAt)) throw invalidCommand('startsAt must be an ISO 8601 time.');
      if (Date.parse(command.data.startsAt) <= Date.parse(command.metadata.at)) {
        throw invalidCommand(`startsAt ${command.data.startsAt} is not in the future.`);
      }
      return [
        {
          type: 'RoomScheduled',
          data: { roomId, ...settingsFrom(command.data), by: actor, startsAt: command.data.startsAt },
        },
      ];
    }
    case 'OpenRoom': {
      requireMainRoomId(roomId);
      if (status === 'live') throw new DomainError('ROOM_ALREADY_EXISTS', `Room ${roomId} is already open.`);
      const settings =
        status === 'scheduled' ? settingsFrom({ ...context.settings, ...command.data }) : settingsFrom(command.data);
      if (status === 'scheduled') requireModerator(state, actor, 'open it');
      return [
        { type: 'RoomOpened', data: { roomId, ...settings, by: actor, parentRoomId: null, at: command.metadata.at } },
      ];
    }
    case 'JoinRoom': {
      requireLive();
      const member = state.roster.members.get(actor);
      if (member) {
        throw new DomainError(
          'ALREADY_IN_ROOM',
          `${actor} is already in ${member.roomId === roomId ? `room ${roomId}` : `overflow room ${member.roomId}`} of this family; leave it first.`,
        );
      }
      return seatListener(state, actor);
    }
    case 'LeaveRoom': {
      requireLive();
      const member = requireMember(state, actor);
      if (member.role === 'speaker') return [{ type: 'SpeakerLeft', data: { roomId, userId: actor } }];
      return [
        { type: 'ListenerLeft', data: { roomId, userId: actor, fromRoomId: member.roomId } },
        ...seatFreed(state, member.roomId),
      ];
    }
    case 'RaiseHand': {
      requireLive();
      const member = requireMember(state, actor);
      if (member.role === 'speaker') {
        throw new DomainError('ALREADY_A_SPEAKER', `${actor} is already on the stage of room ${roomId}.`);
      }
      return state.roster.hands.has(actor) ? [] : [{ type: 'HandRaised', data: { roomId, userId: actor } }];
    }
    case 'LowerHand': {
      requireLive();
      const userId = command.data.userId ?? actor;
      if (userId !== actor) requireModerator(state, actor, "lower someone else's hand");
      requireMember(state, userId);
      return state.roster.hands.has(userId) ? [{ type: 'HandLowered', data: { roomId, userId, by: actor } }] : [];
    }
    case 'InviteToSpeak': {
      requireLive();
      requireModerator(state, actor, 'invite to speak');
      const { userId } = command.data;
      const member = requireMember(state, userId);
      if (member.role === 'speaker') throw new DomainError('ALREADY_A_SPEAKER', `${userId} is already a speaker.`);
      return context.invited.includes(userId) ? [] : [{ type: 'SpeakerInvited', data: { roomId, userId, by: actor } }];
    }
    case 'AcceptInvite': {
      requireLive();
      if (!context.invited.includes(actor)) {
        throw new DomainError(
          'NOT_INVITED',
          `${actor} has not been invited to speak in room ${roomId}; raise a hand first.`,
        );
      }
      requireStageRoom(state);
      const member = state.roster.members.get(actor);
      const fromRoomId = member?.role === 'listener' ? member.roomId : null;
      return [
        { type: 'SpeakerInviteAccepted', data: { roomId, userId: actor, fromRoomId } },
        ...(fromRoomId === null ? [] : seatFreed(state, fromRoomId)),
      ];
    }
    case 'MoveToAudience': {
      requireLive();
      const { userId } = command.data;
      if (userId !== actor) requireModerator(state, actor, 'move a speaker to the audience');
      if (!context.speakers.includes(userId)) {
        throw new DomainError('NOT_A_SPEAKER', `${userId} is not on the stage of room ${roomId}.`);
      }
      const moved: RoomEvent = { type: 'SpeakerMovedToAudience', data: { roomId, userId, by: actor } };
      return [moved, ...seatListener(state, userId)];
    }
    case 'AddModerator': {
      requireModerator(state, actor, 'add moderators');
      const { userId } = command.data;
      if (typeof userId !== 'string' || userId.length === 0) throw invalidCommand('userId must be a non-empty string.');
      return context.moderators.includes(userId)
        ? []
        : [{ type: 'ModeratorAdded', data: { roomId, userId, by: actor } }];
    }
    case 'AnnounceHeadliner': {
      requireModerator(state, actor, 'announce a headliner');
      const { userId } = command.data;
      if (typeof userId !== 'string' || userId.length === 0) throw invalidCommand('userId must be a non-empty string.');
      const expectedAudience = wholeNumber('expectedAudience', command.data.expectedAudience, 0, 0, 100_000_000);
      return [{ type: 'HeadlinerAnnounced', data: { roomId, userId, expectedAudience, by: actor } }];
    }
    case 'MarkHeadlinerArrived': {
      requireLive();
      requireModerator(state, actor, 'mark the headliner arrived');
      const headliner = context.headliner;
      if (!headliner) {
        throw new DomainError(
          'HEADLINER_NOT_ANNOUNCED',
          `Room ${roomId} has no headliner announced; announce one first.`,
        );
      }
      if (context.speakers.includes(headliner.userId)) return [];
      if (liveRegions(state)?.headliner === 'present') {
        throw new DomainError(
          'HEADLINER_ALREADY_ARRIVED',
          `The headliner of room ${roomId} has already arrived once; invite ${headliner.userId} to speak to bring them back on stage.`,
        );
      }
      requireStageRoom(state);
      const member = state.roster.members.get(headliner.userId);
      const fromRoomId = member?.role === 'listener' ? member.roomId : null;
      return [
        { type: 'HeadlinerArrived', data: { roomId, userId: headliner.userId, fromRoomId } },
        ...(fromRoomId === null ? [] : seatFreed(state, fromRoomId)),
      ];
    }
    case 'EndRoom': {
      requireModerator(state, actor, 'end it');
      return [{ type: 'RoomEnded', data: { roomId, by: actor, reason: 'ended', at: command.metadata.at } }];
    }
    default: {
      const unknown: never = command;
      throw invalidCommand(`Unknown command ${JSON.stringify((unknown as { type?: unknown }).type)}.`);
    }
  }
};
