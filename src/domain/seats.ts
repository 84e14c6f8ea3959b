/**
 * Who sits where in a room family, kept outside the machine's context so that
 * a join costs O(1): `evolve` updates these in place instead of copying them.
 * The room machine's guards read the counts through its context, which holds
 * a reference to the same ledger. A ledger belongs to one aggregate.
 */

export interface OverflowSeats {
  listeners: number;
  readonly capacity: number;
  open: boolean;
  /** Spawned at prewarm, ahead of its audience (absent: spawned by a join). */
  readonly prewarmed?: boolean;
}

export interface SeatLedger {
  /** Listeners seated in this room (the main room, for a family's ledger). */
  listeners: number;
  /** The overflow rooms this room spawned, by id, in spawn order. */
  readonly overflow: Map<string, OverflowSeats>;
}

export type MemberRole = 'listener' | 'speaker';

export interface Member {
  /** The room of the family the user is in: the main room or one of its overflow rooms. */
  roomId: string;
  role: MemberRole;
}

/** Everyone present in a family, and the raised hands in the order they went up. */
export interface Roster {
  readonly members: Map<string, Member>;
  readonly hands: Set<string>;
}

export const emptyLedger = (): SeatLedger => ({ listeners: 0, overflow: new Map() });
export const emptyRoster = (): Roster => ({ members: new Map(), hands: new Set() });

/** An overflow room takes listeners while it is open and below its capacity. */
export const overflowSeatFree = (seats: OverflowSeats): boolean => seats.open && seats.listeners < seats.capacity;

/**
 * The first overflow room, in spawn order, that takes a listener: a family
 * fills its overflow rooms one after another (see `seatFor` for why).
 */
export const firstOverflowWithSeat = (ledger: SeatLedger): [string, OverflowSeats] | undefined => {
  for (const entry of ledger.overflow) if (overflowSeatFree(entry[1])) return entry;
  return undefined;
};
