/**
 * What happens in a room, as facts in the past tense. A room's stream holds
 * its whole life; an overflow room's stream mirrors what its parent's stream
 * decided for it (the parent's stream is where seats are counted).
 */

export interface RoomSettings {
  readonly title: string;
  /** Listener seats in this room (speakers and moderators are counted apart). */
  readonly capacity: number;
  /** Speaker places on the main room's stage. */
  readonly speakerCapacity: number;
  /** Overflow rooms this room may spawn at most. */
  readonly maxOverflowRooms: number;
  /**
   * Listeners who may wait for a seat when the family has none (the waiting
   * room); past it a join is refused. 0: no waiting room.
   */
  readonly queueCapacity: number;
  /**
   * How far back the spawn limit looks: at most `maxOverflowRooms` overflow
   * rooms are spawned within any such window (SPAWN_WINDOW_MS unless the
   * deployment set another).
   */
  readonly spawnWindowMs: number;
}

type Of<Type extends string, Data> = { readonly type: Type; readonly data: Data };
type InRoom<T = object> = { readonly roomId: string } & T;

/**
 * What a room opened at prewarm says of itself: `prewarmed`, and the
 * listeners it was warmed for (the capacity plan asks routers for them).
 * Absent on rooms opened the ordinary way, and in events recorded before
 * prewarm provisioned.
 */
export interface Prewarmed {
  readonly prewarmed?: true;
  readonly expectedListeners?: number;
}

/**
 * A main room opened with `prewarmed` has its doors closed until
 * RoomDoorsOpened: it exists (moderators, speakers, overflow rooms, media)
 * but admits no listener yet.
 *
 * `queueCapacity` is absent in rooms opened before the waiting room: they have none (0).
 * `spawnWindowMs` is recorded only when it is not SPAWN_WINDOW_MS (absent: ten minutes).
 *
 * `mediaGated`: its joins are admitted only within the seats its media nodes
 * reserved for it (media on other hosts); absent, the family is not gated.
 */
export type RoomOpened = Of<
  'RoomOpened',
  InRoom<
    Omit<RoomSettings, 'queueCapacity' | 'spawnWindowMs'> & {
      queueCapacity?: number;
      spawnWindowMs?: number;
      by: string | null;
      parentRoomId: string | null;
      at: string;
      mediaGated?: true;
    } & Prewarmed
  >
>;
export type ListenerAdmitted = Of<'ListenerAdmitted', InRoom<{ userId: string }>>;
export type ListenerRedirectedToOverflow = Of<
  'ListenerRedirectedToOverflow',
  InRoom<{ userId: string; overflowRoomId: string }>
>;
/** A member of the family left; `fromRoomId` is the room of the family they were in. */
export type ListenerLeft = Of<'ListenerLeft', InRoom<{ userId: string; fromRoomId: string }>>;
/** `at`: when it was spawned (the spawn window counts it); absent in events recorded before it was kept. */
export type OverflowRoomSpawned = Of<
  'OverflowRoomSpawned',
  InRoom<{ overflowRoomId: string; capacity: number; at?: string } & Prewarmed>
>;
export type OverflowRoomDrained = Of<'OverflowRoomDrained', InRoom<{ overflowRoomId: string }>>;
export type RoomBecameFull = Of<'RoomBecameFull', InRoom>;
/**
 * The family had no seat (or others were already waiting): the listener waits
 * in its queue. `position` is where they were queued (the back: the queue's
 * length with them).
 */
export type ListenerQueued = Of<'ListenerQueued', InRoom<{ userId: string; position: number }>>;
/** The first listener in the queue got a seat: the placement event that follows says where. */
export type ListenerAdmittedFromQueue = Of<'ListenerAdmittedFromQueue', InRoom<{ userId: string }>>;
/** A queued listener stopped waiting (they left the queue, or went on stage). */
export type ListenerLeftQueue = Of<'ListenerLeftQueue', InRoom<{ userId: string }>>;
export type RoomHadSeatsAgain = Of<'RoomHadSeatsAgain', InRoom>;
export type HandRaised = Of<'HandRaised', InRoom<{ userId: string }>>;
export type HandLowered = Of<'HandLowered', InRoom<{ userId: string; by: string }>>;
export type SpeakerInvited = Of<'SpeakerInvited', InRoom<{ userId: string; by: string }>>;
/** The invited user is on stage now; `fromRoomId` is where they listened, if anywhere. */
export type SpeakerInviteAccepted = Of<'SpeakerInviteAccepted', InRoom<{ userId: string; fromRoomId: string | null }>>;
/** A speaker (on the main room's stage) left the room altogether. */
export type SpeakerLeft = Of<'SpeakerLeft', InRoom<{ userId: string }>>;
/** A speaker left the stage; the placement event that follows seats them in the audience. */
export type SpeakerMovedToAudience = Of<'SpeakerMovedToAudience', InRoom<{ userId: string; by: string }>>;
export type ModeratorAdded = Of<'ModeratorAdded', InRoom<{ userId: string; by: string }>>;
export type HeadlinerAnnounced = Of<
  'HeadlinerAnnounced',
  InRoom<{ userId: string; expectedAudience: number; by: string }>
>;
/** The headliner is on stage; `fromRoomId` is where they listened, if anywhere. */
export type HeadlinerArrived = Of<'HeadlinerArrived', InRoom<{ userId: string; fromRoomId: string | null }>>;
/**
 * The listeners a gated family's media can serve now: the seats its media
 * nodes reserved for it. Recorded by the media cluster through the family's
 * mailbox, so joins past it are refused in the turn that decides them.
 */
export type MediaSeatsGranted = Of<'MediaSeatsGranted', InRoom<{ seats: number; at: string }>>;
/** A prewarmed room's doors opened: listeners may join from now on. */
export type RoomDoorsOpened = Of<'RoomDoorsOpened', InRoom<{ by: string; at: string }>>;
/**
 * The family's warm-up is over (a set time after the doors opened): its rooms
 * hold routers for the listeners they have, no longer for those expected.
 * The warm overflow rooms nobody sat in were drained just before it. On an
 * overflow room's stream it is mirrored from its parent, `by` null.
 */
export type WarmUpEnded = Of<'WarmUpEnded', InRoom<{ by: string | null; at: string }>>;
export type RoomEnded = Of<
  'RoomEnded',
  InRoom<{ by: string | null; reason: 'ended' | 'parentEnded' | 'drained'; at: string }>
>;

export type RoomEvent =
  | RoomOpened
  | ListenerAdmitted
  | ListenerRedirectedToOverflow
  | ListenerLeft
  | OverflowRoomSpawned
  | OverflowRoomDrained
  | RoomBecameFull
  | RoomHadSeatsAgain
  | ListenerQueued
  | ListenerAdmittedFromQueue
  | ListenerLeftQueue
  | HandRaised
  | HandLowered
  | SpeakerInvited
  | SpeakerInviteAccepted
  | SpeakerLeft
  | SpeakerMovedToAudience
  | ModeratorAdded
  | HeadlinerAnnounced
  | HeadlinerArrived
  | MediaSeatsGranted
  | RoomDoorsOpened
  | WarmUpEnded
  | RoomEnded;

export type RoomEventType = RoomEvent['type'];

export const ROOM_EVENT_TYPES: readonly RoomEventType[] = [
  'RoomOpened',
  'ListenerAdmitted',
  'ListenerRedirectedToOverflow',
  'ListenerLeft',
  'OverflowRoomSpawned',
  'OverflowRoomDrained',
  'RoomBecameFull',
  'RoomHadSeatsAgain',
  'ListenerQueued',
  'ListenerAdmittedFromQueue',
  'ListenerLeftQueue',
  'HandRaised',
  'HandLowered',
  'SpeakerInvited',
  'SpeakerInviteAccepted',
  'SpeakerLeft',
  'SpeakerMovedToAudience',
  'ModeratorAdded',
  'HeadlinerAnnounced',
  'HeadlinerArrived',
  'MediaSeatsGranted',
  'RoomDoorsOpened',
  'WarmUpEnded',
  'RoomEnded',
];

export const isRoomEvent = (event: { type: string }): event is RoomEvent =>
  (ROOM_EVENT_TYPES as readonly string[]).includes(event.type);

const ROOM_STREAM = 'room-';

export const roomStreamId = (roomId: string): string => `${ROOM_STREAM}${roomId}`;

/** Whether a stream is a room's (main or overflow): how reactors pick the events they follow. */
export const isRoomStreamId = (streamId: string): boolean => streamId.startsWith(ROOM_STREAM);
