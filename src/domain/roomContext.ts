import type { RoomSettings } from './events.ts';
import { emptyLedger, emptyRoster, type Roster, type SeatLedger } from './seats.ts';

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
  /** Overflow rooms spawned over the room's life (their ids count up from 1). */
  readonly overflowSpawned: number;
  readonly seats: SeatLedger;
  readonly roster: Roster;
}

export const initialRoomContext = (): RoomContext => ({
  roomId: '',
  parentRoomId: null,
  settings: { title: '', capacity: 0, speakerCapacity: 0, maxOverflowRooms: 0 },
  moderators: [],
  speakers: [],
  invited: [],
  headliner: null,
  overflowSpawned: 0,
  seats: emptyLedger(),
  roster: emptyRoster(),
});

export const openOverflowRooms = (context: RoomContext): number => {
  let open = 0;
  for (const room of context.seats.overflow.values()) if (room.open) open += 1;
  return open;
};
