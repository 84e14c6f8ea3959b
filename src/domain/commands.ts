/** What someone asks of a room, in the imperative. Who and when come in the metadata. */

export interface CommandMetadata {
  /** The user issuing the command (already authenticated by the caller). */
  readonly actor: string;
  /** When it was issued, ISO 8601: the domain never reads a clock. */
  readonly at: string;
  readonly correlationId?: string;
  /** Made where the command enters (the API node); the events it records carry it as causationId. */
  readonly commandId?: string;
}

type Of<Type extends string, Data> = { readonly type: Type; readonly data: Data; readonly metadata: CommandMetadata };
type ForRoom<T = object> = { readonly roomId: string } & T;
type RoomOptions = {
  readonly title: string;
  readonly capacity?: number;
  readonly speakerCapacity?: number;
  readonly maxOverflowRooms?: number;
  readonly queueCapacity?: number;
  /** How far back the spawn limit looks (default SPAWN_WINDOW_MS, ten minutes). */
  readonly spawnWindowMs?: number;
};

/** Set by the command path when media is on other hosts: the room's joins wait on media seats. */
type MediaGate = { readonly mediaGated?: boolean };
/** Opens a new room: the actor becomes its moderator and its first speaker. */
export type OpenRoom = Of<'OpenRoom', ForRoom<Partial<RoomOptions> & MediaGate>>;
/** The actor joins as a listener: in the main room if it has a seat, else in an overflow room. */
export type JoinRoom = Of<'JoinRoom', ForRoom>;
export type LeaveRoom = Of<'LeaveRoom', ForRoom>;
/** The actor stops waiting in the family's queue. */
export type LeaveQueue = Of<'LeaveQueue', ForRoom>;
/**
 * Seats whoever waits first while the family has seats: for capacity that
 * grew outside the room's own stream (media seats). Every other command
 * admits from the queue too, in the same turn, so this is rarely needed.
 */
export type AdmitFromQueue = Of<'AdmitFromQueue', ForRoom>;
export type RaiseHand = Of<'RaiseHand', ForRoom>;
/** Lowers the actor's hand, or, from a moderator, someone else's. */
export type LowerHand = Of<'LowerHand', ForRoom<{ userId?: string }>>;
export type InviteToSpeak = Of<'InviteToSpeak', ForRoom<{ userId: string }>>;
export type AcceptInvite = Of<'AcceptInvite', ForRoom>;
/** A moderator moves a speaker to the audience, or a speaker steps down themselves. */
export type MoveToAudience = Of<'MoveToAudience', ForRoom<{ userId: string }>>;
export type AddModerator = Of<'AddModerator', ForRoom<{ userId: string }>>;
export type AnnounceHeadliner = Of<'AnnounceHeadliner', ForRoom<{ userId: string; expectedAudience: number }>>;
export type MarkHeadlinerArrived = Of<'MarkHeadlinerArrived', ForRoom>;
export type EndRoom = Of<'EndRoom', ForRoom>;
/** The media cluster records how many listeners the family's media nodes reserved seats for. */
export type GrantMediaSeats = Of<'GrantMediaSeats', ForRoom<{ seats: number }>>;
/**
 * Shapes a family for an expected audience before anyone arrives (a
 * session's prewarm): opens the room with its doors closed, unless it is
 * open already, and spawns the overflow rooms the audience needs, each
 * marked prewarmed. Deciding it again spawns only what is missing.
 */
export type PrewarmRoom = Of<
  'PrewarmRoom',
  ForRoom<
    Pick<RoomOptions, 'title' | 'capacity' | 'queueCapacity' | 'spawnWindowMs'> & {
      expectedAudience: number;
    } & MediaGate
  >
>;
/** Opens a prewarmed room's doors: listeners may join. */
export type OpenDoors = Of<'OpenDoors', ForRoom>;
/** Ends the family's warm-up: drains the warm overflow rooms nobody sat in. */
export type EndWarmUp = Of<'EndWarmUp', ForRoom>;

export type RoomCommand =
  | OpenRoom
  | JoinRoom
  | LeaveRoom
  | LeaveQueue
  | AdmitFromQueue
  | RaiseHand
  | LowerHand
  | InviteToSpeak
  | AcceptInvite
  | MoveToAudience
  | AddModerator
  | AnnounceHeadliner
  | MarkHeadlinerArrived
  | EndRoom
  | GrantMediaSeats
  | PrewarmRoom
  | OpenDoors
  | EndWarmUp;

export type RoomCommandType = RoomCommand['type'];

export const DEFAULT_CAPACITY = 5000;
export const DEFAULT_SPEAKER_CAPACITY = 50;
export const DEFAULT_MAX_OVERFLOW_ROOMS = 100;
/** Listeners who may wait for a seat in a family's queue, unless the room was opened with another limit. */
export const DEFAULT_QUEUE_CAPACITY = 50_000;
/**
 * Listeners one media router serves before the family gets another
 * (mediasoup's guidance: 200–300 consumers a router). The capacity plan sizes
 * by it and the media plane places by it, so they agree.
 */
export const LISTENERS_PER_ROUTER = 250;
