import { roomMachine, type RoomContext } from './roomMachine.ts';
import type { RoomState } from './room.ts';
import type { Member, OverflowSeats } from './seats.ts';

/** A room's state as plain JSON, for snapshots. A cache: the events stay the truth. */
export interface RoomSnapshotData {
  readonly version: 1;
  readonly value: unknown;
  /** `recentSpawns`, `mediaSeats`, `doorsOpen` and `warm` are absent in snapshots made before they were kept. */
  readonly context: Omit<RoomContext, 'seats' | 'roster' | 'recentSpawns' | 'mediaSeats' | 'doorsOpen' | 'warm'> & {
    readonly recentSpawns?: readonly number[];
    readonly mediaSeats?: number | null;
    readonly doorsOpen?: boolean;
    readonly warm?: boolean;
  };
  readonly listeners: number;
  readonly overflow: Array<[string, OverflowSeats]>;
  readonly members: Array<[string, Member]>;
  readonly hands: string[];
}

export const toSnapshotData = (state: RoomState): RoomSnapshotData => {
  const { seats, roster, ...context } = state.snapshot.context;
  return {
    version: 1,
    value: state.snapshot.value,
    context,
    listeners: seats.listeners,
    overflow: [...seats.overflow].map(([id, room]) => [id, { ...room }]),
    members: [...roster.members].map(([id, member]) => [id, { ...member }]),
    hands: [...roster.hands],
  };
};

export const fromSnapshotData = (data: RoomSnapshotData): RoomState => {
  const seats = { listeners: data.listeners, overflow: new Map(data.overflow.map(([id, room]) => [id, { ...room }])) };
  const roster = { members: new Map(data.members.map(([id, m]) => [id, { ...m }])), hands: new Set(data.hands) };
  const snapshot = roomMachine.resolveState({
    value: data.value as never,
    context: {
      ...data.context,
      recentSpawns: data.context.recentSpawns ?? [],
      mediaSeats: data.context.mediaSeats ?? null,
      doorsOpen: data.context.doorsOpen ?? true,
      warm: data.context.warm ?? false,
      seats,
      roster,
    },
  });
  return { snapshot, roster };
};
