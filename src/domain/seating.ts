import { DomainError } from './errors.ts';
import type { RoomEvent } from './events.ts';
import { overflowRoomId, spawnsWithin, type RoomContext } from './roomContext.ts';
import { doorsAreOpen, hasSeat, maySpawnOverflow, mediaHasSeat, queueHasRoom } from './roomRules.ts';
import { firstOverflowWithSeat } from './seats.ts';
import { headOf, positionOf } from './waitingRoom.ts';

/** Where one more listener would sit. */
export type Seat =
  | { readonly kind: 'main' }
  | { readonly kind: 'overflow'; readonly overflowRoomId: string }
  | { readonly kind: 'spawn'; readonly overflowRoomId: string };

/**
 * Where the family would seat one more listener at `at`: in the main room
 * while it has a seat, else in the first open overflow room (in spawn order)
 * with a free seat, else in a newly spawned one; or, when there is no seat, the refusal
 * of the rule that leaves none. Every bound on a seat is asked here and only
 * here, so the waiting room starts exactly where seats end: closed doors (a
 * prewarmed room before its session starts) and media seats (`mediaHasSeat`,
 * a gated family's seats its media nodes hold) are such bounds too, so an
 * early arrival, or a family with no media seat, queues like a full one.
 *
 * Overflow rooms fill in order in every family, not the roomiest first. In a
 * prewarmed family the warm rooms fill main, overflow-1, overflow-2…, so an
 * audience smaller than expected leaves the last ones empty and the drain
 * closes them (roomiest-first spread a small crowd over every warm room, and
 * none drained). The same holds for a family that spawned its rooms as the
 * crowd came: after leaves, roomiest-first sent every newcomer to the room
 * leavers had thinned most, so it never emptied and never drained; in order,
 * newcomers refill the earliest rooms and the later ones empty and drain. A
 * listener hears the same in any overflow room, so nothing is lost by it.
 */
export const seatFor = (context: RoomContext, at: string): Seat | DomainError => {
  // Asked first: no seat is chosen, and no overflow room spawned, before the doors open or for a listener media cannot serve.
  if (!doorsAreOpen.holds(context)) return doorsAreOpen.refusal(context);
  if (!mediaHasSeat.holds(context)) return mediaHasSeat.refusal(context);
  if (hasSeat.holds(context)) return { kind: 'main' };
  const next = firstOverflowWithSeat(context.seats);
  if (next) return { kind: 'overflow', overflowRoomId: next[0] };
  const spawnedId = overflowRoomId(context.roomId, context.overflowSpawned + 1);
  return maySpawnOverflow.holds(context, spawnedId, at)
    ? { kind: 'spawn', overflowRoomId: spawnedId }
    : maySpawnOverflow.refusal(context, spawnedId, at);
};

/** The events that seat `userId` on `seat` (announcing when the main room fills). */
export const seatEvents = (context: RoomContext, userId: string, seat: Seat, at: string): RoomEvent[] => {
  const { roomId, settings, seats } = context;
  switch (seat.kind) {
    case 'main': {
      const admitted: RoomEvent = { type: 'ListenerAdmitted', data: { roomId, userId } };
      return seats.listeners + 1 === settings.capacity
        ? [admitted, { type: 'RoomBecameFull', data: { roomId } }]
        : [admitted];
    }
    case 'overflow':
      return [{ type: 'ListenerRedirectedToOverflow', data: { roomId, userId, overflowRoomId: seat.overflowRoomId } }];
    case 'spawn':
      return [
        {
          type: 'OverflowRoomSpawned',
          data: { roomId, overflowRoomId: seat.overflowRoomId, capacity: settings.capacity, at },
        },
        { type: 'ListenerRedirectedToOverflow', data: { roomId, userId, overflowRoomId: seat.overflowRoomId } },
      ];
    default: {
      const unknown: never = seat;
      throw new TypeError(`seatEvents: unknown seat ${JSON.stringify(unknown)}`);
    }
  }
};

/**
 * Seats a listener, or queues them. First come, first served: while anyone
 * waits, a newcomer waits behind them even if a seat is free (the queue is
 * admitted from in the same turn, see `admissionFromQueue`). Past the queue's
 * limit the join is refused; a room without a waiting room (limit 0) refuses
 * with the seat rule's own sentence, as before the waiting room (DOORS_CLOSED
 * for an early arrival there). Before a prewarmed room's doors open, every
 * listener queues: the OpenDoors turn seats them in order.
 */
export const placeOrQueue = (context: RoomContext, userId: string, at: string): RoomEvent[] => {
  const { roomId, waiting } = context;
  const seat = waiting.tickets.size === 0 ? seatFor(context, at) : undefined;
  if (seat !== undefined && !(seat instanceof DomainError)) return seatEvents(context, userId, seat, at);
  if (!queueHasRoom.holds(context)) {
    throw context.settings.queueCapacity === 0 && seat instanceof DomainError ? seat : queueHasRoom.refusal(context);
  }
  return [{ type: 'ListenerQueued', data: { roomId, userId, position: waiting.tickets.size + 1 } }];
};

/**
 * The next admission from the queue, if its head can be seated now: decided
 * against the state the command before it left, in the same turn, so a seat
 * freed (a leave, a listener gone on stage) or capacity grown (a spawn that
 * is allowed again) goes to the first in line before anyone else can take it.
 */
export const admissionFromQueue = (context: RoomContext, at: string): RoomEvent[] | undefined => {
  const userId = headOf(context.waiting);
  if (userId === undefined) return undefined;
  const seat = seatFor(context, at);
  if (seat instanceof DomainError) return undefined;
  return [
    { type: 'ListenerAdmittedFromQueue', data: { roomId: context.roomId, userId } },
    ...seatEvents(context, userId, seat, at),
  ];
};

/**
 * When the head of the queue, who waits only because the family spawned as
 * many overflow rooms as it may within its spawn window, can be seated
 * (epoch ms): the moment the spawn that holds the limit leaves the window.
 * Undefined when nobody waits, or when something else keeps them waiting
 * (closed doors, media seats, as many overflow rooms open as allowed): those
 * end with a command of their own (OpenDoors, GrantMediaSeats, a leave),
 * whose turn admits from the queue. Nothing in the log marks a window's end,
 * so the command path asks this after each turn and sends AdmitFromQueue
 * then (see spawnWindowWakeUps.ts).
 */
export const spawnWindowReopensAt = (context: RoomContext, at: string): number | undefined => {
  if (headOf(context.waiting) === undefined) return undefined;
  const spawns = [...spawnsWithin(context, Date.parse(at))].sort((a, b) => a - b);
  // With k spawns in the window and a limit of n, the (k - n + 1)-th oldest must leave it.
  const holding = spawns[spawns.length - context.settings.maxOverflowRooms];
  if (holding === undefined) return undefined;
  const reopensAt = holding + context.settings.spawnWindowMs;
  const seat = seatFor(context, new Date(reopensAt).toISOString());
  return !(seat instanceof DomainError) && seat.kind === 'spawn' ? reopensAt : undefined;
};

/** Where a listener waits in the family's queue (1 is next), if they do. */
export const queuePositionOf = (context: RoomContext, userId: string): number | undefined =>
  positionOf(context.waiting, userId);
