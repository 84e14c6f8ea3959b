/**
 * Which media node carries each room of a family, as the family's placement
 * stream (`media-placement-{familyId}`). A placement reactor decides; every
 * media node reconciles the rooms placed on it; analysts can replay where a
 * room's audio was served from and why it moved.
 */
import type { CommandMetadata } from './commands.ts';
import { invalidCommand } from './errors.ts';
import { executeWith, replayWith } from './fold.ts';

type Of<Type extends string, Data> = { readonly type: Type; readonly data: Data };
type Command<Type extends string, Data> = Of<Type, Data> & { readonly metadata: CommandMetadata };
type ForRoom<T> = { readonly familyId: string; readonly roomId: string } & T;

export type RoomMediaPlaced = Of<
  'RoomMediaPlaced',
  ForRoom<{
    nodeId: string;
    /** The node it was on before (lost or drained), or null the first time: its clients must reconnect. */
    previousNodeId: string | null;
    at: string;
  }>
>;
export type RoomMediaReleased = Of<'RoomMediaReleased', ForRoom<{ nodeId: string; at: string }>>;
/** The room stays on its node, but its routers there were lost (a worker died) and made again: clients reconnect. */
export type RoomMediaLost = Of<'RoomMediaLost', ForRoom<{ nodeId: string; reason: 'workerDied'; at: string }>>;
export type MediaPlacementEvent = RoomMediaPlaced | RoomMediaReleased | RoomMediaLost;

/**
 * `replacing` is the node the sender saw the room on (null: unplaced). When
 * the room is elsewhere by now, another API node placed it first, and the
 * command decides nothing: concurrent reactors never move a room twice.
 */
export type PlaceRoomMedia = Command<'PlaceRoomMedia', ForRoom<{ nodeId: string; replacing: string | null }>>;
export type ReleaseRoomMedia = Command<'ReleaseRoomMedia', ForRoom<object>>;
/** Sent for a media node that reports a room's routers lost; ignored unless the room is placed there. */
export type ReportRoomMediaLost = Command<'ReportRoomMediaLost', ForRoom<{ nodeId: string }>>;
export type MediaPlacementCommand = PlaceRoomMedia | ReleaseRoomMedia | ReportRoomMediaLost;

export const MEDIA_PLACEMENT_EVENT_TYPES: readonly MediaPlacementEvent['type'][] = [
  'RoomMediaPlaced',
  'RoomMediaReleased',
  'RoomMediaLost',
];

export const isMediaPlacementEvent = (event: { type: string }): event is MediaPlacementEvent =>
  (MEDIA_PLACEMENT_EVENT_TYPES as readonly string[]).includes(event.type);

export const mediaPlacementStreamId = (familyId: string): string => `media-placement-${familyId}`;

/** Room id → the node carrying it. */
export type MediaPlacementState = ReadonlyMap<string, string>;

export const initialMediaPlacementState = (): MediaPlacementState => new Map();

export const evolveMediaPlacement = (state: MediaPlacementState, event: MediaPlacementEvent): MediaPlacementState => {
  const next = new Map(state);
  switch (event.type) {
    case 'RoomMediaPlaced':
      next.set(event.data.roomId, event.data.nodeId);
      return next;
    case 'RoomMediaReleased':
      next.delete(event.data.roomId);
      return next;
    case 'RoomMediaLost':
      return state;
    default: {
      const unknown: never = event;
      throw new TypeError(`evolveMediaPlacement: unknown event ${JSON.stringify(unknown)}`);
    }
  }
};

const ID = /^[A-Za-z0-9_.-]{1,200}$/;
const requireId = (name: string, value: unknown): string => {
  if (typeof value !== 'string' || !ID.test(value))
    throw invalidCommand(`${name} must be 1 to 200 letters, digits, ".", "-" or "_", not ${JSON.stringify(value)}.`);
  return value;
};

/** Pure and idempotent: placing a room where it already is, or releasing one that is not placed, decides nothing. */
export const decideMediaPlacement = (
  state: MediaPlacementState,
  command: MediaPlacementCommand,
): MediaPlacementEvent[] => {
  const familyId = requireId('familyId', command.data.familyId);
  const roomId = requireId('roomId', command.data.roomId);
  const at = command.metadata.at;
  const current = state.get(roomId);
  switch (command.type) {
    case 'PlaceRoomMedia': {
      const nodeId = requireId('nodeId', command.data.nodeId);
      if (current === nodeId || (current ?? null) !== (command.data.replacing ?? null)) return [];
      return [{ type: 'RoomMediaPlaced', data: { familyId, roomId, nodeId, previousNodeId: current ?? null, at } }];
    }
    case 'ReleaseRoomMedia':
      return current === undefined
        ? []
        : [{ type: 'RoomMediaReleased', data: { familyId, roomId, nodeId: current, at } }];
    case 'ReportRoomMediaLost': {
      const nodeId = requireId('nodeId', command.data.nodeId);
      if (current !== nodeId) return [];
      return [{ type: 'RoomMediaLost', data: { familyId, roomId, nodeId, reason: 'workerDied', at } }];
    }
    default: {
      const unknown: never = command;
      throw invalidCommand(`Unknown command ${JSON.stringify((unknown as { type?: unknown }).type)}.`);
    }
  }
};

export const replayMediaPlacement = replayWith(initialMediaPlacementState, evolveMediaPlacement);

export const executeMediaPlacement = executeWith(decideMediaPlacement, evolveMediaPlacement);

/** What placement needs to know of a room: whether it needs media, and how many listeners it carries. */
export interface RoomDemand {
  readonly roomId: string;
  readonly open: boolean;
  readonly listeners: number;
  /** Listeners a warm room was prewarmed for: it weighs that much before they arrive. */
  readonly warmFor?: number;
}

export interface NodeSupply {
  readonly nodeId: string;
  readonly capacity: number;
}

/** A placement command without its metadata: who and when are the sender's. */
export type PlacementChoice = Omit<PlaceRoomMedia, 'metadata'> | Omit<ReleaseRoomMedia, 'metadata'>;

/** A room's weight on a node: its listeners (or those it is warmed for), and at least one so an empty room still counts. */
const demandOf = (room: RoomDemand): number => Math.max(1, room.listeners, room.warmFor ?? 0);

/**
 * The placement commands that make every open room sit on a live node and no
 * closed room on any: an unplaced room, or one on a node no longer live, goes
 * to the live node with the most free capacity (ties: the first by id, so
 * every API node decides the same). Pure; `nodes` are the live ones.
 */
export const choosePlacements = (
  families: ReadonlyArray<{ readonly familyId: string; readonly rooms: readonly RoomDemand[] }>,
  nodes: readonly NodeSupply[],
  placements: ReadonlyMap<string, MediaPlacementState>,
): PlacementChoice[] => {
  const free = new Map([...nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId)).map((n) => [n.nodeId, n.capacity]));
  const decided: PlacementChoice[] = [];
  const homeless: Array<{ familyId: string; room: RoomDemand; replacing: string | null }> = [];
  for (const { familyId, rooms } of families) {
    const placed = placements.get(familyId) ?? new Map<string, string>();
    for (const room of rooms) {
      const nodeId = placed.get(room.roomId);
      if (!room.open) {
        if (nodeId !== undefined) decided.push({ type: 'ReleaseRoomMedia', data: { familyId, roomId: room.roomId } });
      } else if (nodeId !== undefined && free.has(nodeId)) {
        free.set(nodeId, free.get(nodeId)! - demandOf(room));
      } else {
        homeless.push({ familyId, room, replacing: nodeId ?? null });
      }
    }
  }
  for (const { familyId, room, replacing } of homeless) {
    let best: string | undefined;
    for (const [nodeId, left] of free) if (best === undefined || left > free.get(best)!) best = nodeId;
    if (best === undefined) break; // no live node: rooms stay where they were until one joins
    free.set(best, free.get(best)! - demandOf(room));
    decided.push({ type: 'PlaceRoomMedia', data: { familyId, roomId: room.roomId, nodeId: best, replacing } });
  }
  return decided;
};
