/**
 * A media host's membership of the control plane, as its own stream
 * (`media-node-{nodeId}`): joined, left, or declared lost when it stopped
 * reporting. Heartbeats are not events; only the changes they reveal are.
 */
import type { CommandMetadata } from './commands.ts';
import { DomainError, invalidCommand } from './errors.ts';
import { executeWith, replayWith } from './fold.ts';

type Of<Type extends string, Data> = { readonly type: Type; readonly data: Data };
type Command<Type extends string, Data> = Of<Type, Data> & { readonly metadata: CommandMetadata };

/** What a node says of itself when it joins; `instanceId` changes on every process start. */
export interface MediaNodeProfile {
  readonly nodeId: string;
  readonly instanceId: string;
  /** Where API nodes send signed control requests. */
  readonly controlUrl: string;
  /** The address clients and other media nodes are told (ICE candidates, pipe tuples). */
  readonly announcedAddress: string;
  readonly workers: number;
  /** Listeners the node carries at most (its workers' consumer budget). */
  readonly capacity: number;
}

export type MediaNodeJoined = Of<'MediaNodeJoined', MediaNodeProfile & { at: string }>;
export type MediaNodeLeft = Of<'MediaNodeLeft', { nodeId: string; instanceId: string; at: string }>;
export type MediaNodeDeclaredLost = Of<
  'MediaNodeDeclaredLost',
  {
    nodeId: string;
    instanceId: string;
    /** `silent`: no heartbeat in time; `restarted`: a new process answered under the same id, with no media. */
    reason: 'silent' | 'restarted';
    at: string;
  }
>;
/**
 * Seats of this node held for one room family: `seats` is the family's whole
 * reservation here from now on (0: released). Decided on this stream, with
 * its expected revision, so two families are never given the same seats.
 */
export type MediaSeatsReserved = Of<
  'MediaSeatsReserved',
  { nodeId: string; instanceId: string; familyId: string; seats: number; at: string }
>;
export type MediaNodeEvent = MediaNodeJoined | MediaNodeLeft | MediaNodeDeclaredLost | MediaSeatsReserved;

export type JoinMediaNode = Command<'JoinMediaNode', MediaNodeProfile>;
export type LeaveMediaNode = Command<'LeaveMediaNode', { nodeId: string; instanceId: string }>;
/** Sent by an API node that heard nothing from the node for `silentForMs`. */
export type DeclareMediaNodeLost = Command<'DeclareMediaNodeLost', { nodeId: string; instanceId: string }>;
/** Asks for `seats` of the node for a family in all (0 releases them); it gets as many as are free. */
export type ReserveMediaSeats = Command<
  'ReserveMediaSeats',
  { nodeId: string; instanceId: string; familyId: string; seats: number }
>;
export type MediaNodeCommand = JoinMediaNode | LeaveMediaNode | DeclareMediaNodeLost | ReserveMediaSeats;

export const MEDIA_NODE_EVENT_TYPES: readonly MediaNodeEvent['type'][] = [
  'MediaNodeJoined',
  'MediaNodeLeft',
  'MediaNodeDeclaredLost',
  'MediaSeatsReserved',
];

export const isMediaNodeEvent = (event: { type: string }): event is MediaNodeEvent =>
  (MEDIA_NODE_EVENT_TYPES as readonly string[]).includes(event.type);

export const mediaNodeStreamId = (nodeId: string): string => `media-node-${nodeId}`;

export interface MediaNodeState {
  readonly status: 'unknown' | 'joined' | 'left' | 'lost';
  readonly profile: MediaNodeProfile | undefined;
  /** Seats held per room family, by this instance; a node that leaves or is lost holds none. */
  readonly reservations: ReadonlyMap<string, number>;
}

const NONE: ReadonlyMap<string, number> = new Map();

export const initialMediaNodeState = (): MediaNodeState => ({
  status: 'unknown',
  profile: undefined,
  reservations: NONE,
});

/** The node's seats not held by any family but `familyId` (none unless it is joined). */
export const seatsFreeFor = (state: MediaNodeState, familyId: string): number => {
  if (state.status !== 'joined') return 0;
  let held = 0;
  for (const [id, seats] of state.reservations) if (id !== familyId) held += seats;
  return Math.max(0, (state.profile?.capacity ?? 0) - held);
};

export const evolveMediaNode = (state: MediaNodeState, event: MediaNodeEvent): MediaNodeState => {
  switch (event.type) {
    case 'MediaNodeJoined': {
      const { at: _at, ...profile } = event.data;
      const same = state.status === 'joined' && state.profile?.instanceId === profile.instanceId;
      return { status: 'joined', profile, reservations: same ? state.reservations : NONE };
    }
    case 'MediaNodeLeft':
      return { ...state, status: 'left', reservations: NONE };
    case 'MediaNodeDeclaredLost':
      return { ...state, status: 'lost', reservations: NONE };
    case 'MediaSeatsReserved': {
      const reservations = new Map(state.reservations);
      if (event.data.seats === 0) reservations.delete(event.data.familyId);
      else reservations.set(event.data.familyId, event.data.seats);
      return { ...state, reservations };
    }
    default: {
      const unknown: never = event;
      throw new TypeError(`evolveMediaNode: unknown event ${JSON.stringify(unknown)}`);
    }
  }
};

const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FAMILY_ID = /^[A-Za-z0-9_.-]{1,200}$/;

const requireFamilyId = (familyId: unknown): string => {
  if (typeof familyId !== 'string' || !FAMILY_ID.test(familyId))
    throw invalidCommand(
      `familyId must be 1 to 200 letters, digits, ".", "-" or "_", not ${JSON.stringify(familyId)}.`,
    );
  return familyId;
};

const sameProfile = (a: MediaNodeProfile, b: MediaNodeProfile): boolean =>
  a.instanceId === b.instanceId &&
  a.controlUrl === b.controlUrl &&
  a.announcedAddress === b.announcedAddress &&
  a.workers === b.workers &&
  a.capacity === b.capacity;

const requireProfile = (data: MediaNodeProfile): MediaNodeProfile => {
  if (typeof data.instanceId !== 'string' || !NODE_ID.test(data.instanceId))
    throw invalidCommand(
      `instanceId must be 1 to 64 letters, digits, "-" or "_", not ${JSON.stringify(data.instanceId)}.`,
    );
  if (typeof data.controlUrl !== 'string' || !/^https?:\/\/\S+$/.test(data.controlUrl))
    throw invalidCommand(`controlUrl must be an http(s) URL, not ${JSON.stringify(data.controlUrl)}.`);
  if (typeof data.announcedAddress !== 'string' || !/^[0-9A-Za-z.:-]{1,255}$/.test(data.announcedAddress))
    throw invalidCommand(
      `announcedAddress must be an IP address or host name, not ${JSON.stringify(data.announcedAddress)}.`,
    );
  for (const field of ['workers', 'capacity'] as const) {
    const n = data[field];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10_000_000)
      throw invalidCommand(`${field} must be a whole number of at least 1, not ${JSON.stringify(n)}.`);
  }
  const { nodeId, instanceId, controlUrl, announcedAddress, workers, capacity } = data;
  return { nodeId, instanceId, controlUrl, announcedAddress, workers, capacity };
};

/**
 * Pure. Joining again with the same profile decides nothing (every heartbeat
 * may carry a join); a new instance under a joined id means the old process
 * is gone with its media, so it is declared lost before the new one joins.
 * Loss and leave name the instance they mean: a stale report of an old
 * process never removes its successor.
 */
export const decideMediaNode = (state: MediaNodeState, command: MediaNodeCommand): MediaNodeEvent[] => {
  const { nodeId } = command.data;
  if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId))
    throw invalidCommand(`nodeId must be 1 to 64 letters, digits, "-" or "_", not ${JSON.stringify(nodeId)}.`);
  const at = command.metadata.at;
  const current = state.profile;
  switch (command.type) {
    case 'JoinMediaNode': {
      const profile = requireProfile(command.data);
      if (state.status === 'joined' && current && sameProfile(current, profile)) return [];
      const joined: MediaNodeJoined = { type: 'MediaNodeJoined', data: { ...profile, at } };
      if (state.status === 'joined' && current && current.instanceId !== profile.instanceId) {
        return [
          { type: 'MediaNodeDeclaredLost', data: { nodeId, instanceId: current.instanceId, reason: 'restarted', at } },
          joined,
        ];
      }
      return [joined];
    }
    case 'ReserveMediaSeats': {
      const familyId = requireFamilyId(command.data.familyId);
      const wanted = command.data.seats;
      if (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 0 || wanted > 10_000_000)
        throw invalidCommand(`seats must be a whole number from 0 to 10000000, not ${JSON.stringify(wanted)}.`);
      // Seats of a node that left, was lost or restarted are not there to hold: nothing to record.
      if (state.status !== 'joined' || !current || current.instanceId !== command.data.instanceId) return [];
      const seats = Math.min(wanted, seatsFreeFor(state, familyId));
      if (seats === (state.reservations.get(familyId) ?? 0)) return [];
      return [{ type: 'MediaSeatsReserved', data: { nodeId, instanceId: current.instanceId, familyId, seats, at } }];
    }
    case 'LeaveMediaNode':
    case 'DeclareMediaNodeLost': {
      if (state.status === 'unknown' || !current)
        throw new DomainError(
          'MEDIA_NODE_NOT_FOUND',
          `Media node ${nodeId} never joined; start it with spillway media-node.`,
        );
      if (state.status !== 'joined' || current.instanceId !== command.data.instanceId) return [];
      const { instanceId } = current;
      return command.type === 'LeaveMediaNode'
        ? [{ type: 'MediaNodeLeft', data: { nodeId, instanceId, at } }]
        : [{ type: 'MediaNodeDeclaredLost', data: { nodeId, instanceId, reason: 'silent', at } }];
    }
    default: {
      const unknown: never = command;
      throw invalidCommand(`Unknown command ${JSON.stringify((unknown as { type?: unknown }).type)}.`);
    }
  }
};

export const replayMediaNode = replayWith(initialMediaNodeState, evolveMediaNode);

export const executeMediaNode = executeWith(decideMediaNode, evolveMediaNode);
