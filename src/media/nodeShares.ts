import type { CapacityPlan } from '../projections/index.ts';
import type { OpaqueIds } from './opaqueIds.ts';
import type { FamilyShare } from './types.ts';

export interface LiveNode {
  readonly nodeId: string;
  readonly controlUrl: string;
}

/**
 * Each live node's share of the desired media, in opaque ids: the routers of
 * each room placed on it (a room's routers may span nodes), and for a family
 * spanning nodes, which node is its source (the one with the main room's
 * first router, where speakers produce) and which it feeds. A family whose
 * source is not live is left out everywhere until placement gives it one.
 */
export const sharesFor = (
  plans: readonly CapacityPlan[],
  placements: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
  nodes: readonly LiveNode[],
  ids: OpaqueIds,
): Map<string, FamilyShare[]> => {
  const live = new Map(nodes.map((n) => [n.nodeId, n]));
  const shares = new Map<string, FamilyShare[]>(nodes.map((n) => [n.nodeId, []]));
  for (const plan of plans) {
    if (plan.state !== 'live') continue;
    const placed = placements.get(plan.familyId);
    const sourceId = placed?.get(plan.familyId)?.[0];
    const source = sourceId === undefined ? undefined : live.get(sourceId);
    if (!placed || !source) continue;
    const familyId = ids.room(plan.familyId);
    const speakers = plan.speakers.map((userId) => ids.participant(plan.familyId, userId));
    const byNode = new Map<string, Array<{ roomId: string; routers: number }>>();
    for (const room of plan.rooms) {
      if (!room.open) continue;
      const here = new Map<string, number>();
      for (const nodeId of placed.get(room.roomId) ?? [])
        if (live.has(nodeId)) here.set(nodeId, (here.get(nodeId) ?? 0) + 1);
      for (const [nodeId, routers] of here) {
        const list = byNode.get(nodeId) ?? [];
        list.push({ roomId: ids.room(room.roomId), routers });
        byNode.set(nodeId, list);
      }
    }
    const receivers = [...byNode.keys()].filter((id) => id !== source.nodeId).sort();
    for (const [nodeId, rooms] of byNode) {
      shares.get(nodeId)!.push({
        familyId,
        speakers,
        rooms,
        source: nodeId === source.nodeId ? null : { nodeId: source.nodeId, controlUrl: source.controlUrl },
        receivers: nodeId === source.nodeId ? receivers : [],
      });
    }
  }
  return shares;
};
