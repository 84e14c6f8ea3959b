import { SPAWN_WINDOW_MS } from './roomContext.ts';
import { roomMachine, type RoomContext } from './roomMachine.ts';
import type { RoomState } from './room.ts';
import type { Member, OverflowSeats } from './seats.ts';
import { waitingRoomOf } from './waitingRoom.ts';

/** A room's state as plain JSON, for snapshots. A cache: the events stay the truth. */
export interface RoomSnapshotData {
  readonly version: 1;
  readonly value: unknown;
  /**
   * `recentSpawns`, `mediaSeats`, `doorsOpen` and `warm` are absent in
   * snapshots made before they were kept, `settings.queueCapacity` in those
   * made before the waiting room, `settings.spawnWindowMs` in those made
   * before the window was a room's setting (it was SPAWN_WINDOW_MS).
   */
  readonly context: Omit<
    RoomContext,
    'seats' | 'roster' | 'recentSpawns' | 'mediaSeats' | 'doorsOpen' | 'warm' | 'waiting' | 'settings'
  > & {
    readonly recentSpawns?: readonly number[];
    readonly mediaSeats?: number | null;
    readonly doorsOpen?: boolean;
    readonly warm?: boolean;
    readonly settings: Omit<RoomContext['settings'], 'queueCapacity' | 'spawnWindowMs'> & {
      readonly queueCapacity?: number;
      readonly spawnWindowMs?: number;
    };
  };
  readonly listeners: number;
  readonly overflow: Array<[string, OverflowSeats]>;
  readonly members: Array<[string, Member]>;
  readonly hands: string[];
  /** Who waits, with their tickets, in queue order; absent before the waiting room (nobody waited). */
  readonly waiting?: Array<[string, number]>;
  readonly ticketsIssued?: number;
}

export const toSnapshotData = (state: RoomState): RoomSnapshotData => {
  const { seats, roster, waiting, ...context } = state.snapshot.context;
  return {
    version: 1,
    value: state.snapshot.value,
    context,
    listeners: seats.listeners,
    overflow: [...seats.overflow].map(([id, room]) => [id, { ...room }]),
    members: [...roster.members].map(([id, member]) => [id, { ...member }]),
    hands: [...roster.hands],
    waiting: [...waiting.tickets],
    ticketsIssued: waiting.issued,
  };
};

export const fromSnapshotData = (data: RoomSnapshotData): RoomState => {
  const seats = { listeners: data.listeners, overflow: new Map(data.overflow.map(([id, room]) => [id, { ...room }])) };
  const roster = { members: new Map(data.members.map(([id, m]) => [id, { ...m }])), hands: new Set(data.hands) };
  const waiting = waitingRoomOf(data.waiting ?? [], data.ticketsIssued ?? 0);
  const settings = {
    ...data.context.settings,
    queueCapacity: data.context.settings.queueCapacity ?? 0,
    spawnWindowMs: data.context.settings.spawnWindowMs ?? SPAWN_WINDOW_MS,
  };
  const snapshot = roomMachine.resolveState({
    value: data.value as never,
    context: {
      ...data.context,
      settings,
      recentSpawns: data.context.recentSpawns ?? [],
      mediaSeats: data.context.mediaSeats ?? null,
      doorsOpen: data.context.doorsOpen ?? true,
      warm: data.context.warm ?? false,
      seats,
      roster,
      waiting,
    },
  });
  return { snapshot, roster };
};
