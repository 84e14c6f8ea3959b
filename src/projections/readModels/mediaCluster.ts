import {
  evolveMediaPlacement,
  isMediaNodeEvent,
  isMediaPlacementEvent,
  MEDIA_NODE_EVENT_TYPES,
  MEDIA_PLACEMENT_EVENT_TYPES,
  type MediaNodeProfile,
} from '../../domain/index.ts';
import type { ProjectionRunner } from '../runner.ts';
import type { DocumentProjection } from '../types.ts';

/** A media node as the control plane knows it. */
export interface MediaNodeEntry extends MediaNodeProfile {
  readonly status: 'joined' | 'left' | 'lost';
  readonly since: string;
  /** Seats this instance holds per room family (MediaSeatsReserved); none once it left or was lost. */
  readonly reservations: Readonly<Record<string, number>>;
}

/** Where each room of a family is carried. */
export interface FamilyPlacement {
  readonly familyId: string;
  /** Room id → the node of its first router (where its speakers produce, for the main room). */
  readonly rooms: Readonly<Record<string, string>>;
  /** Room id → the node of each of its routers, by router index: a room's routers may span nodes. */
  readonly routers: Readonly<Record<string, readonly string[]>>;
}

type Doc = MediaNodeEntry | FamilyPlacement;

const nodeKey = (nodeId: string) => `node:${nodeId}`;
const placementKey = (familyId: string) => `placement:${familyId}`;

/** Media nodes and room placements: one document per node, one per family, each from its own stream. */
export const mediaClusterProjection: DocumentProjection<Doc> = {
  name: 'mediaCluster',
  version: 2,
  perStream: true,
  handles: new Set<string>([...MEDIA_NODE_EVENT_TYPES, ...MEDIA_PLACEMENT_EVENT_TYPES]),
  evolve(recorded, read): Array<readonly [string, Doc]> {
    const event = { type: recorded.type, data: recorded.data };
    if (isMediaNodeEvent(event)) {
      const key = nodeKey(event.data.nodeId);
      const node = read(key) as MediaNodeEntry | undefined;
      if (event.type === 'MediaNodeJoined') {
        const { at, ...profile } = event.data;
        const same = node?.status === 'joined' && node.instanceId === profile.instanceId;
        return [[key, { ...profile, status: 'joined', since: at, reservations: same ? node.reservations : {} }]];
      }
      if (!node || node.instanceId !== event.data.instanceId) return [];
      if (event.type === 'MediaSeatsReserved') {
        const { [event.data.familyId]: _was, ...others } = node.reservations;
        const reservations = event.data.seats === 0 ? others : { ...others, [event.data.familyId]: event.data.seats };
        return [[key, { ...node, reservations }]];
      }
      const status = event.type === 'MediaNodeLeft' ? 'left' : 'lost';
      return [[key, { ...node, status, since: event.data.at, reservations: {} }]];
    }
    if (isMediaPlacementEvent(event)) {
      const { familyId } = event.data;
      const key = placementKey(familyId);
      if (event.type === 'RoomMediaLost') return []; // lost and made again where it was: placement unchanged
      const before = new Map(Object.entries((read(key) as FamilyPlacement | undefined)?.routers ?? {}));
      const routers = Object.fromEntries(evolveMediaPlacement(before, event));
      const rooms = Object.fromEntries(
        Object.entries(routers).flatMap(([roomId, nodes]) => (nodes[0] ? [[roomId, nodes[0]]] : [])),
      );
      return [[key, { familyId, rooms, routers }]];
    }
    return [];
  },
};

export const queryMediaCluster = (runner: ProjectionRunner) => ({
  nodes: (): MediaNodeEntry[] =>
    runner.list<MediaNodeEntry>('mediaCluster', 'node:', 'node:\uffff', 100_000).map((r) => r.doc),
  placements: (): FamilyPlacement[] =>
    runner.list<FamilyPlacement>('mediaCluster', 'placement:', 'placement:\uffff', 1_000_000).map((r) => r.doc),
  placement: (familyId: string): FamilyPlacement | undefined =>
    runner.read<FamilyPlacement>('mediaCluster', placementKey(familyId)),
});

export type MediaClusterQueries = ReturnType<typeof queryMediaCluster>;
