import { DomainError, notAModerator, roomEnded, roomNotFound } from './errors.ts';
import type { RoomEvent, RoomEventType } from './events.ts';
import { familyListeners, openOverflowRooms, SPAWN_WINDOW_MS, spawnsWithin, type RoomContext } from './roomContext.ts';
import { overflowSeatFree } from './seats.ts';
import { headOf, positionOf } from './waitingRoom.ts';

/**
 * A room rule: one condition over the room's state, and the sentence that
 * refuses when it does not hold. The machine's guards are built from these
 * (roomMachine.ts), the decider asks the same ones (decide.ts), and a refusal
 * always carries the rule's own code: no condition is written twice.
 */
export interface RoomRule<Args extends unknown[]> {
  holds(context: RoomContext, ...args: Args): boolean;
  refusal(context: RoomContext, ...args: Args): DomainError;
}

const rule = <Args extends unknown[]>(
  holds: (context: RoomContext, ...args: Args) => boolean,
  refusal: (context: RoomContext, ...args: Args) => DomainError,
): RoomRule<Args> => ({ holds, refusal });

/** Throws the rule's refusal unless it holds. */
export const demand = <Args extends unknown[]>(rule: RoomRule<Args>, context: RoomContext, ...args: Args): void => {
  if (!rule.holds(context, ...args)) throw rule.refusal(context, ...args);
};

const check = <Args extends unknown[]>(
  rule: RoomRule<Args>,
  context: RoomContext,
  ...args: Args
): DomainError | undefined => (rule.holds(context, ...args) ? undefined : rule.refusal(context, ...args));

/** Commands go to the main room: an overflow room only mirrors what its parent decided. */
export const mainRoomOnly = rule(
  (context) => context.parentRoomId === null,
  (context) =>
    new DomainError(
      'OVERFLOW_ROOM_IS_LISTEN_ONLY',
      `Room ${context.roomId} is an overflow room of ${context.parentRoomId}; send the command to the main room.`,
    ),
);

export const isModerator = rule(
  (context, userId: string, _what: string) => context.moderators.includes(userId),
  (context, userId, what) => notAModerator(context.roomId, userId, what),
);

/** Someone acts on themselves, or a moderator acts on someone else. */
export const selfOrModerator = rule(
  (context, by: string, userId: string, _what: string) => by === userId || context.moderators.includes(by),
  (context, by, _userId, what) => notAModerator(context.roomId, by, what),
);

/** The roster invariant: a listener is in exactly one room of a family at a time. */
export const notInFamily = rule(
  (context, userId: string) => !context.roster.members.has(userId),
  (context, userId) => {
    const roomId = context.roster.members.get(userId)?.roomId;
    return new DomainError(
      'ALREADY_IN_ROOM',
      `${userId} is already in ${roomId === context.roomId ? `room ${roomId}` : `overflow room ${roomId}`} of this family; leave it first.`,
    );
  },
);

export const inFamily = rule(
  (context, userId: string) => context.roster.members.has(userId),
  (context, userId) =>
    new DomainError('NOT_IN_ROOM', `${userId} is not in room ${context.roomId} or its overflow rooms.`),
);

/** A listener leaves the room of the family they sit in, and no other. */
export const seatedIn = rule(
  (context, userId: string, roomId: string) => {
    const member = context.roster.members.get(userId);
    return member !== undefined && member.role === 'listener' && member.roomId === roomId;
  },
  (context, userId, roomId) =>
    new DomainError('NOT_IN_ROOM', `${userId} is not listening in room ${roomId} of ${context.roomId}'s family.`),
);

/** Nobody is both queued and placed: a queued listener is seated only from the queue. */
export const notQueued = rule(
  (context, userId: string) => !context.waiting.tickets.has(userId),
  (context, userId) =>
    new DomainError(
      'ALREADY_QUEUED',
      `${userId} is number ${positionOf(context.waiting, userId)} in the waiting room of room ${context.roomId}; they are seated from there, in turn.`,
    ),
);

export const isQueued = rule(
  (context, userId: string) => context.waiting.tickets.has(userId),
  (context, userId) => new DomainError('NOT_QUEUED', `${userId} is not waiting for a seat in room ${context.roomId}.`),
);

/** First come, first served: only the head of the queue is admitted from it. */
export const firstInQueue = rule(
  (context, userId: string) => headOf(context.waiting) === userId,
  (context, userId) =>
    new DomainError(
      'NOT_FIRST_IN_QUEUE',
      context.waiting.tickets.has(userId)
        ? `${userId} is number ${positionOf(context.waiting, userId)} in the waiting room of room ${context.roomId}; the first in it is seated first.`
        : `${userId} is not waiting for a seat in room ${context.roomId}.`,
    ),
);

/** The waiting room holds at most `queueCapacity` listeners. */
export const queueHasRoom = rule(
  (context) => context.waiting.tickets.size < context.settings.queueCapacity,
  (context) =>
    new DomainError(
      'ROOM_FULL',
      `Room ${context.roomId} has no seat free for you and its waiting room is full (${context.waiting.tickets.size} listeners wait, its limit); try again in a few minutes.`,
    ),
);

/** A room opened at prewarm admits no listener until its doors open (the session's start). */
export const doorsAreOpen = rule(
  (context) => context.doorsOpen,
  (context) =>
    new DomainError(
      'DOORS_CLOSED',
      `Room ${context.roomId} is warmed for a scheduled session and has not opened its doors yet; join when the session starts.`,
    ),
);

/** The main room never admits past its cap. */
export const hasSeat = rule(
  (context) => context.seats.listeners < context.settings.capacity,
  (context) =>
    new DomainError(
      'ROOM_FULL',
      `Room ${context.roomId} is full (${context.settings.capacity} listeners); try again when someone leaves.`,
    ),
);

/**
 * Media never seats a listener it cannot serve: a family gated on media
 * (media on other hosts) seats listeners only within the seats its media
 * nodes reserved for it (MediaSeatsGranted). Asked before any seat is chosen,
 * so a join it refuses records nothing; the waiting room turns this refusal
 * into a place in the queue.
 */
export const mediaHasSeat = rule(
  (context) => context.mediaSeats === null || familyListeners(context) < context.mediaSeats,
  (context) => {
    const seats = context.mediaSeats ?? 0;
    return new DomainError(
      'MEDIA_CAPACITY',
      seats === 0
        ? `No media node has seats for the audio of room ${context.roomId} yet: start one with spillway media-node (or wait a moment while seats are reserved), then join again.`
        : `The media of room ${context.roomId} carries ${familyListeners(context)} listeners, all its media nodes reserved seats for (${seats}); no router can serve another. Add a media node, or join again when listeners leave.`,
    );
  },
);

export const overflowHasSeat = rule(
  (context, overflowRoomId: string) => {
    const room = context.seats.overflow.get(overflowRoomId);
    return room !== undefined && overflowSeatFree(room);
  },
  (context, overflowRoomId) =>
    new DomainError(
      'ROOM_FULL',
      `Overflow room ${overflowRoomId} of ${context.roomId} has no free seat; try again when someone leaves.`,
    ),
);

/** How many spawns count against the limit at `at` (ISO; a spawn recorded without a time counts none). */
const spawnedRecently = (context: RoomContext, at: string | undefined): number =>
  at === undefined ? 0 : spawnsWithin(context, Date.parse(at)).length;

/**
 * A main room spawns overflow rooms up to its limit, each id once: at most
 * `maxOverflowRooms` open, and at most as many spawned within SPAWN_WINDOW_MS,
 * however many drained meanwhile.
 */
export const maySpawnOverflow = rule(
  (context, overflowRoomId: string, at: string | undefined) =>
    context.parentRoomId === null &&
    !context.seats.overflow.has(overflowRoomId) &&
    openOverflowRooms(context) < context.settings.maxOverflowRooms &&
    spawnedRecently(context, at) < context.settings.maxOverflowRooms,
  (context, _overflowRoomId, at) => {
    const { roomId, settings } = context;
    const open = openOverflowRooms(context);
    return new DomainError(
      'ROOM_FULL',
      open < settings.maxOverflowRooms
        ? `Room ${roomId} is full and has spawned ${spawnedRecently(context, at)} overflow rooms in the last ${SPAWN_WINDOW_MS / 60_000} minutes (the limit is ${settings.maxOverflowRooms}); try again in a few minutes.`
        : `Room ${roomId} and all of its ${open} overflow rooms are full (the limit is ${settings.maxOverflowRooms} overflow rooms); try again when someone leaves.`,
    );
  },
);

export const isSpeaker = rule(
  (context, userId: string) => context.speakers.includes(userId),
  (context, userId) => new DomainError('NOT_A_SPEAKER', `${userId} is not on the stage of room ${context.roomId}.`),
);

export const notASpeaker = rule(
  (context, userId: string) => !context.speakers.includes(userId),
  (context, userId) =>
    new DomainError('ALREADY_A_SPEAKER', `${userId} is already on the stage of room ${context.roomId}.`),
);

export const isInvited = rule(
  (context, userId: string) => context.invited.includes(userId),
  (context, userId) =>
    new DomainError(
      'NOT_INVITED',
      `${userId} has not been invited to speak in room ${context.roomId}; raise a hand first.`,
    ),
);

export const stageHasRoom = rule(
  (context) => context.speakers.length < context.settings.speakerCapacity,
  (context) =>
    new DomainError(
      'STAGE_FULL',
      `The stage of room ${context.roomId} is full (${context.settings.speakerCapacity} speakers); move a speaker to the audience first.`,
    ),
);

export const headlinerAnnounced = rule(
  (context) => context.headliner !== null,
  (context) =>
    new DomainError(
      'HEADLINER_NOT_ANNOUNCED',
      `Room ${context.roomId} has no headliner announced; announce one first.`,
    ),
);

export const isHeadliner = rule(
  (context, userId: string) => context.headliner?.userId === userId,
  (context, userId) =>
    new DomainError('HEADLINER_NOT_ANNOUNCED', `${userId} is not the headliner announced for room ${context.roomId}.`),
);

/**
 * Bookkeeping conditions: events the decider derives from seat counts
 * (full, seats again, drained). No command asks for them, so no person is
 * refused by them; a refusal here is a fault of the decider.
 */
export const isAtCapacity = (context: RoomContext): boolean => !hasSeat.holds(context);
export const isLastOpenOverflow = (context: RoomContext): boolean => openOverflowRooms(context) === 1;
export const isEmptyOpenOverflow = (context: RoomContext, overflowRoomId: string): boolean => {
  const room = context.seats.overflow.get(overflowRoomId);
  return room !== undefined && room.open && room.listeners === 0;
};

export type RoomPhase = 'idle' | 'live' | 'ended';

/**
 * The lifecycle rules, which the machine states by its shape rather than by a
 * guard: nothing happens before a room opens or after it ends, and a room
 * opens once.
 */
export const lifecycleRefusal = (phase: RoomPhase, roomId: string, type: RoomEventType): DomainError | undefined => {
  if (phase === 'ended') return roomEnded(roomId);
  if (phase === 'idle') return type === 'RoomOpened' ? undefined : roomNotFound(roomId);
  return type === 'RoomOpened' ? new DomainError('ROOM_ALREADY_EXISTS', `Room ${roomId} is already open.`) : undefined;
};

/** A headliner arrives once: the headliner region has no way back from `present`. */
export const arrivesOnce = (
  headlinerRegion: 'none' | 'awaited' | 'present',
  context: RoomContext,
): DomainError | undefined =>
  headlinerRegion === 'present'
    ? new DomainError(
        'HEADLINER_ALREADY_ARRIVED',
        `The headliner of room ${context.roomId} has already arrived once; invite ${context.headliner?.userId} to speak to bring them back on stage.`,
      )
    : undefined;

/**
 * Why the room would refuse `event`, by the first rule of its guard that does
 * not hold (undefined: every rule holds). The machine's guards are exactly
 * `refusalOf(...) === undefined`, and a refused command reports this error.
 */
export const refusalOf = (context: RoomContext, event: RoomEvent): DomainError | undefined => {
  switch (event.type) {
    case 'ListenerAdmitted':
      return (
        check(doorsAreOpen, context) ??
        check(notInFamily, context, event.data.userId) ??
        check(notQueued, context, event.data.userId) ??
        check(hasSeat, context) ??
        check(mediaHasSeat, context)
      );
    case 'ListenerRedirectedToOverflow':
      return (
        check(doorsAreOpen, context) ??
        check(notInFamily, context, event.data.userId) ??
        check(notQueued, context, event.data.userId) ??
        check(overflowHasSeat, context, event.data.overflowRoomId) ??
        check(mediaHasSeat, context)
      );
    case 'ListenerQueued':
      return (
        check(mainRoomOnly, context) ??
        check(notInFamily, context, event.data.userId) ??
        check(notQueued, context, event.data.userId) ??
        check(queueHasRoom, context)
      );
    case 'ListenerAdmittedFromQueue':
      return check(firstInQueue, context, event.data.userId);
    case 'ListenerLeftQueue':
      return check(isQueued, context, event.data.userId);
    case 'ListenerLeft':
      return check(seatedIn, context, event.data.userId, event.data.fromRoomId);
    case 'HandRaised':
      return check(inFamily, context, event.data.userId) ?? check(notASpeaker, context, event.data.userId);
    case 'HandLowered':
      return (
        check(selfOrModerator, context, event.data.by, event.data.userId, "lower someone else's hand") ??
        check(inFamily, context, event.data.userId)
      );
    case 'SpeakerInvited':
      return (
        check(mainRoomOnly, context) ??
        check(isModerator, context, event.data.by, 'invite to speak') ??
        check(inFamily, context, event.data.userId) ??
        check(notASpeaker, context, event.data.userId)
      );
    case 'SpeakerInviteAccepted':
      return (
        check(isInvited, context, event.data.userId) ??
        check(notQueued, context, event.data.userId) ??
        check(notASpeaker, context, event.data.userId) ??
        check(stageHasRoom, context)
      );
    case 'HeadlinerArrived':
      return (
        check(headlinerAnnounced, context) ??
        check(isHeadliner, context, event.data.userId) ??
        check(notQueued, context, event.data.userId) ??
        check(notASpeaker, context, event.data.userId) ??
        check(stageHasRoom, context)
      );
    case 'SpeakerMovedToAudience':
      return (
        check(selfOrModerator, context, event.data.by, event.data.userId, 'move a speaker to the audience') ??
        check(isSpeaker, context, event.data.userId)
      );
    case 'SpeakerLeft':
      return check(isSpeaker, context, event.data.userId);
    case 'ModeratorAdded':
      return check(isModerator, context, event.data.by, 'add moderators');
    case 'HeadlinerAnnounced':
      return check(isModerator, context, event.data.by, 'announce a headliner');
    case 'RoomDoorsOpened':
      return check(mainRoomOnly, context) ?? check(isModerator, context, event.data.by, 'open its doors');
    case 'WarmUpEnded':
      // Like RoomEnded: ended by a person needs the right; mirrored from the parent (by null) is bookkeeping.
      return event.data.by === null ? undefined : check(isModerator, context, event.data.by, 'end its warm-up');
    case 'RoomEnded':
      // Ended by a person needs the right; ended by its parent or drained is the family's bookkeeping.
      return event.data.reason === 'ended' ? check(isModerator, context, event.data.by ?? '', 'end it') : undefined;
    case 'OverflowRoomSpawned':
      return check(mainRoomOnly, context) ?? check(maySpawnOverflow, context, event.data.overflowRoomId, event.data.at);
    case 'MediaSeatsGranted':
      return check(mainRoomOnly, context);
    case 'RoomOpened':
    case 'RoomBecameFull':
    case 'RoomHadSeatsAgain':
    case 'OverflowRoomDrained':
      return undefined;
    default: {
      const unknown: never = event;
      throw new TypeError(`refusalOf: unknown event ${JSON.stringify(unknown)}`);
    }
  }
};
