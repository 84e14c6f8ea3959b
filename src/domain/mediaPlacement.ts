/**
 * Which media node carries each room of a family, as the family's placement
 * stream (`media-placement-{familyId}`). A placement reactor decides; every
 * media node reconciles the rooms placed on it; analysts can replay where a
 * room's audio was served from and why it moved.
 */
import { LISTENERS_PER_ROUTER, type CommandMetadata } from './commands.ts';
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
    /**
     * Which of the room's routers (0 for the first); absent, router 0, as in
     * events recorded before a room's routers could span nodes.
     */
    router?: number;
    at: string;
  }>
>;
/** The room's routers from `router` up (absent: all of them, the room is closed) are no longer placed. */
export type RoomMediaReleased = Of<'RoomMediaReleased', ForRoom<{ nodeId: string; router?: number; at: string }>>;
/** The room stays on its node, but its routers there were lost (a worker died) and made again: clients reconnect. */
export type RoomMediaLost = Of<'RoomMediaLost', ForRoom<{ nodeId: string; reason: 'workerDied'; at: string }>>;
export type MediaPlacementEvent = RoomMediaPlaced | RoomMediaReleased | RoomMediaLost;

/**
 * `replacing` is the node the sender saw the router on (null: unplaced).
 * When it is elsewhere by now, another API node placed it first, and the
 * command decides nothing: concurrent reactors never move a router twice.
 * `router`: which of the room's routers (default 0).
 */
export type PlaceRoomMedia = Command<
  'PlaceRoomMedia',
  ForRoom<{ nodeId: string; replacing: string | null; router?: number }>
>;
/** Releases the room's routers from `router` up (default 0: the whole room). */
export type ReleaseRoomMedia = Command<'ReleaseRoomMedia', ForRoom<{ router?: number }>>;
/** Sent for a media node that reports a room's routers lost; ignored unless a router of the room is placed there. */
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

/** Room id → the node carrying each of its routers, by router index (a room's routers may span nodes). */
export type MediaPlacementState = ReadonlyMap<string, readonly string[]>;

export const initialMediaPlacementState = (): MediaPlacementState => new Map();

/** The node carrying router `router` of a room, by a family's placement. */
export const nodeOfRouter = (state: MediaPlacementState, roomId: string, router = 0): string | undefined =>
  state.get(roomId)?.[router] || undefined;

export const evolveMediaPlacement = (state: MediaPlacementState, event: MediaPlacementEvent): MediaPlacementState => {
  const next = new Map(state);
  const { roomId } = event.data;
  switch (event.type) {
    case 'RoomMediaPlaced': {
      const routers = [...(state.get(roomId) ?? [])];
      const router = event.data.router ?? 0;
      while (routers.length < router) routers.push('');
      routers[router] = event.data.nodeId;
      next.set(roomId, routers);
      return next;
    }
    case 'RoomMediaReleased': {
      const kept = (state.get(roomId) ?? []).slice(0, event.data.router ?? 0);
      if (kept.length === 0) next.delete(roomId);
      else next.set(roomId, kept);
      return next;
    }
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
const requireRouter = (value: unknown): number => {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100_000)
    throw invalidCommand(`router must be a whole number from 0 to 100000, not ${JSON.stringify(value)}.`);
  return value;
};
/** Router 0 is written as before routers could span nodes: without the field. */
const routerField = (router: number): { router?: number } => (router === 0 ? {} : { router });

/** Pure and idempotent: placing a router where it already is, or releasing one that is not placed, decides nothing. */
export const decideMediaPlacement = (
  state: MediaPlacementState,
  command: MediaPlacementCommand,
): MediaPlacementEvent[] => {
  const familyId = requireId('familyId', command.data.familyId);
  const roomId = requireId('roomId', command.data.roomId);
  const at = command.metadata.at;
  const routers = state.get(roomId) ?? [];
  switch (command.type) {
    case 'PlaceRoomMedia': {
      const nodeId = requireId('nodeId', command.data.nodeId);
      const router = requireRouter(command.data.router);
      const current = nodeOfRouter(state, roomId, router);
      if (current === nodeId || (current ?? null) !== (command.data.replacing ?? null)) return [];
      return [
        {
          type: 'RoomMediaPlaced',
          data: { familyId, roomId, nodeId, previousNodeId: current ?? null, ...routerField(router), at },
        },
      ];
    }
    case 'ReleaseRoomMedia': {
      const router = requireRouter(command.data.router);
      const nodeId = routers.slice(router).find((n) => n !== '');
      return nodeId === undefined
        ? []
        : [{ type: 'RoomMediaReleased', data: { familyId, roomId, nodeId, ...routerField(router), at } }];
    }
    case 'ReportRoomMediaLost': {
      const nodeId = requireId('nodeId', command.data.nodeId);
      if (!routers.includes(nodeId)) return [];
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

/** What placement needs to know of a room: whether it needs media, how many listeners and routers. */
export interface RoomDemand {
  readonly roomId: string;
  readonly open: boolean;
  readonly listeners: number;
  /** Routers the capacity plan gives it (one per LISTENERS_PER_ROUTER listeners); absent, one. */
  readonly routers?: number;
  /** Listeners a warm room was prewarmed for: it weighs that much before they arrive. */
  readonly warmFor?: number;
}

export interface NodeSupply {
  readonly nodeId: string;
  readonly capacity: number;
}

/** A placement command without its metadata: who and when are the sender's. */
export type PlacementChoice = Omit<PlaceRoomMedia, 'metadata'> | Omit<ReleaseRoomMedia, 'metadata'>;

/**
 * Router `router`'s weight on its node: the listeners it serves when the
 * room's routers fill in order (a warm room's counted as the listeners it was
 * warmed for until they arrive), and at least one so an empty router counts.
 */
const demandOf = (room: RoomDemand, router: number): number =>
  Math.max(
    1,
    Math.min(LISTENERS_PER_ROUTER, Math.max(room.listeners, room.warmFor ?? 0) - router * LISTENERS_PER_ROUTER),
  );

/**
 * The placement commands that make every router of every open room sit on a
 * live node and no closed room on any. An unplaced router, or one on a node
 * no longer live, goes to the node of the room's other routers while it has
 * room for it, else to the live node with the most free capacity (ties: the
 * first by id, so every API node decides the same): a room whose routers do
 * not fit on one node spans several. Routers the plan no longer needs are
 * released from the top. Pure; `nodes` are the live ones.
 */
export const choosePlacements = (
  families: ReadonlyArray<{ readonly familyId: string; readonly rooms: readonly RoomDemand[] }>,
  nodes: readonly NodeSupply[],
  placements: ReadonlyMap<string, MediaPlacementState>,
): PlacementChoice[] => {
  const free = new Map([...nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId)).map((n) => [n.nodeId, n.capacity]));
  const decided: PlacementChoice[] = [];
  const homeless: Array<{ familyId: string; room: RoomDemand; router: number; replacing: string | null }> = [];
  const homes = new Map<string, string[]>();
  for (const { familyId, rooms } of families) {
    const placed = placements.get(familyId) ?? new Map<string, readonly string[]>();
    for (const room of rooms) {
      const routers = placed.get(room.roomId) ?? [];
      if (!room.open) {
        if (routers.some((n) => n !== ''))
          decided.push({ type: 'ReleaseRoomMedia', data: { familyId, roomId: room.roomId } });
        continue;
      }
      const wanted = Math.max(1, room.routers ?? 1);
      if (routers.slice(wanted).some((n) => n !== ''))
        decided.push({ type: 'ReleaseRoomMedia', data: { familyId, roomId: room.roomId, ...routerField(wanted) } });
      const home: string[] = [];
      homes.set(`${familyId}\n${room.roomId}`, home);
      for (let router = 0; router < wanted; router += 1) {
        const nodeId = nodeOfRouter(placed, room.roomId, router);
        if (nodeId !== undefined && free.has(nodeId)) {
          free.set(nodeId, free.get(nodeId)! - demandOf(room, router));
          home.push(nodeId);
        } else homeless.push({ familyId, room, router, replacing: nodeId ?? null });
      }
    }
  }
  for (const { familyId, room, router, replacing } of homeless) {
    const demand = demandOf(room, router);
    const home = homes.get(`${familyId}\n${room.roomId}`)!;
    let best = home.find((nodeId) => free.get(nodeId)! >= demand);
    if (best === undefined)
      for (const [nodeId, left] of free) if (best === undefined || left > free.get(best)!) best = nodeId;
    if (best === undefined) break; // no live node: routers stay where they were until one joins
    free.set(best, free.get(best)! - demand);
    home.push(best);
    decided.push({
      type: 'PlaceRoomMedia',
      data: { familyId, roomId: room.roomId, nodeId: best, replacing, ...routerField(router) },
    });
  }
  return decided;
};

/**
 * Which of a room's `routers` serves a listener: the same for a user on
 * every API node (a hash of the user id), spread evenly over the routers.
 */
export const routerFor = (userId: string, routers: number): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i += 1) hash = Math.imul(hash ^ userId.charCodeAt(i), 0x01000193) >>> 0;
  return routers <= 1 ? 0 : hash % routers;
};
