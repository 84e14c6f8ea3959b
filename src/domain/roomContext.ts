import type { RoomSettings } from './events.ts';
import { emptyLedger, emptyRoster, type Roster, type SeatLedger } from './seats.ts';
import { emptyWaitingRoom, type WaitingRoom } from './waitingRoom.ts';

/**
 * How far back the spawn limit looks unless a room was opened with another
 * window: a family spawns at most `maxOverflowRooms` overflow rooms in any
 * such window, however many drain meanwhile (churn would otherwise spawn
 * without end).
 */
export const SPAWN_WINDOW_MS = 10 * 60_000;

/**
 * The room machine's context is small on purpose: settings, ids of the few
 * people with rights or a place on stage, and references to the seat ledger
 * and the roster, which `evolve` updates in place (see seats.ts) so a surge
 * never copies them. The guards read all of it: every rule sees the roster.
 */
export interface RoomContext {
  readonly roomId: string;
  readonly parentRoomId: string | null;
  readonly settings: RoomSettings;
  readonly moderators: readonly string[];
  readonly speakers: readonly string[];
  readonly invited: readonly string[];
  readonly headliner: { readonly userId: string; readonly expectedAudience: number } | null;
  /** Whether listeners may join: false from a prewarmed RoomOpened until RoomDoorsOpened. */
  readonly doorsOpen: boolean;
  /** Whether the family is warmed for an expected audience: from prewarm until WarmUpEnded. */
  readonly warm: boolean;
  /** Overflow rooms spawned over the room's life (their ids count up from 1). */
  readonly overflowSpawned: number;
  /** When the overflow rooms spawned within the last spawn window were (epoch ms, in the order recorded). */
  readonly recentSpawns: readonly number[];
  /**
   * Listeners the family's media can serve (MediaSeatsGranted), or null when
   * its joins are not gated on media (media in the serve process, or none).
   */
  readonly mediaSeats: number | null;
  readonly seats: SeatLedger;
  readonly roster: Roster;
  /** Who waits for a seat, first come first served (see waitingRoom.ts); in place, like the roster. */
  readonly waiting: WaitingRoom;
}

export const initialRoomContext = (): RoomContext => ({
  roomId: '',
  parentRoomId: null,
  settings: {
    title: '',
    capacity: 0,
    speakerCapacity: 0,
    maxOverflowRooms: 0,
    queueCapacity: 0,
    spawnWindowMs: SPAWN_WINDOW_MS,
  },
  moderators: [],
  speakers: [],
  invited: [],
  headliner: null,
  doorsOpen: true,
  warm: false,
  overflowSpawned: 0,
  recentSpawns: [],
  mediaSeats: null,
  seats: emptyLedger(),
  roster: emptyRoster(),
  waiting: emptyWaitingRoom(),
});

/** Listeners seated in the family: the main room's and every overflow room's. */
export const familyListeners = (context: RoomContext): number => {
  let listeners = context.seats.listeners;
  for (const room of context.seats.overflow.values()) listeners += room.listeners;
  return listeners;
};
/** The id of a family's n-th overflow room: derived, so the domain needs no id source. */
export const overflowRoomId = (roomId: string, n: number): string => `${roomId}.overflow-${n}`;

export const openOverflowRooms = (context: RoomContext): number => {
  let open = 0;
  for (const room of context.seats.overflow.values()) if (room.open) open += 1;
  return open;
};

/** The spawns that count at `at` (ms): those within the room's spawn window before it. */
export const spawnsWithin = (context: RoomContext, at: number): readonly number[] =>
  context.recentSpawns.filter((spawnedAt) => spawnedAt > at - context.settings.spawnWindowMs);
