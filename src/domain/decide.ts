import type { RoomCommand } from './commands.ts';
import { invalidCommand } from './errors.ts';
import type { RoomEvent, RoomEventType } from './events.ts';
import { liveRegions, roomStatus, type RoomState } from './room.ts';
import {
  arrivesOnce,
  demand,
  headlinerAnnounced,
  inFamily,
  isAtCapacity,
  isInvited,
  isModerator,
  isQueued,
  isSpeaker,
  lifecycleRefusal,
  mainRoomOnly,
  notASpeaker,
  notInFamily,
  refusalOf,
  stageHasRoom,
} from './roomRules.ts';
import { decideEndWarmUp, decidePrewarm } from './prewarm.ts';
import { placeOrQueue } from './seating.ts';
import { orDefault, recordedSettings, settingsFrom } from './roomSettings.ts';
import { MAX_AUDIENCE, MAX_MEDIA_SEATS, requireActor, requireId, requireText, wholeNumber } from './validation.ts';

export { overflowRoomId } from './roomContext.ts';

const OVERFLOW_ID = /^(.+)\.overflow-\d+$/;

/** The main room of the family a room belongs to (itself, for a main room). */
export const familyRootOf = (roomId: string): string => OVERFLOW_ID.exec(roomId)?.[1] ?? roomId;

/** The event a command would record first: the lifecycle rules are asked about it before anything else. */
const FIRST_EVENT: Record<RoomCommand['type'], RoomEventType> = {
  OpenRoom: 'RoomOpened',
  JoinRoom: 'ListenerAdmitted',
  LeaveRoom: 'ListenerLeft',
  LeaveQueue: 'ListenerLeftQueue',
  AdmitFromQueue: 'ListenerAdmittedFromQueue',
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

/** A user about to take the stage stops waiting for a seat first (nobody is both queued and placed). */
const leaveQueueFor = (state: RoomState, userId: string): RoomEvent[] =>
  isQueued.holds(state.snapshot.context, userId)
    ? [{ type: 'ListenerLeftQueue', data: { roomId: state.snapshot.context.roomId, userId } }]
    : [];

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
  if (command.type === 'PrewarmRoom') return decidePrewarm(state, command);
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
            ...recordedSettings(settingsFrom(command.data)),
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
      // Asked again while waiting: the same place in the queue, nothing recorded.
      if (isQueued.holds(context, actor)) return [];
      return placeOrQueue(context, actor, command.metadata.at);
    case 'LeaveQueue':
      return [{ type: 'ListenerLeftQueue', data: { roomId, userId: actor } }];
    case 'AdmitFromQueue':
      // `execute` admits from the queue after every command: this one only asks it to look.
      return [];
    case 'LeaveRoom': {
      // Leaving while waiting for a seat is leaving the queue.
      if (isQueued.holds(context, actor)) return [{ type: 'ListenerLeftQueue', data: { roomId, userId: actor } }];
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
      const unqueued = leaveQueueFor(state, actor);
      if (unqueued.length > 0) {
        // Asked here: the acceptance after leaving the queue would be refused too late.
        demand(isInvited, context, actor);
        demand(notASpeaker, context, actor);
        demand(stageHasRoom, context);
      }
      return [
        ...unqueued,
        { type: 'SpeakerInviteAccepted', data: { roomId, userId: actor, fromRoomId } },
        ...(fromRoomId === null ? [] : seatFreed(state, fromRoomId)),
      ];
    }
    case 'MoveToAudience': {
      const { userId } = command.data;
      const moved: RoomEvent = { type: 'SpeakerMovedToAudience', data: { roomId, userId, by: actor } };
      if (!state.snapshot.can(moved)) return [moved];
      return [moved, ...placeOrQueue(context, userId, command.metadata.at)];
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
        ...leaveQueueFor(state, userId),
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
