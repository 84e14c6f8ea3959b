import type { CapacityPlan } from '../projections/index.ts';
import type { OpaqueIds } from './opaqueIds.ts';
import type { FamilyShare } from './types.ts';

export interface LiveNode {
  readonly nodeId: string;
  readonly controlUrl: string;
}

/**
 * Each live node's share of the desired media, in opaque ids: the rooms
 * placed on it, and for a family spanning nodes, which node is its source
 * (the main room's) and which it feeds. A family whose main room has no live
 * node is left out everywhere until placement gives it one.
 */
export const sharesFor = (
  plans: readonly CapacityPlan[],
  placements: ReadonlyMap<string, ReadonlyMap<string, string>>,
  nodes: readonly LiveNode[],
  ids: OpaqueIds,
): Map<string, FamilyShare[]> => {
  const live = new Map(nodes.map((n) => [n.nodeId, n]));
  const shares = new Map<string, FamilyShare[]>(nodes.map((n) => [n.nodeId, []]));
  for (const plan of plans) {
    if (plan.state !== 'live') continue;
    const placed = placements.get(plan.familyId);
    const sourceId = placed?.get(plan.familyId);
    const source = sourceId === undefined ? undefined : live.get(sourceId);
    if (!placed || !source) continue;
    const familyId = ids.room(plan.familyId);
    const speakers = plan.speakers.map((userId) => ids.participant(plan.familyId, userId));
    const byNode = new Map<string, Array<{ roomId: string; routers: number }>>();
    for (const room of plan.rooms) {
      const nodeId = placed.get(room.roomId);
      if (!room.open || nodeId === undefined || !live.has(nodeId)) continue;
      const list = byNode.get(nodeId) ?? [];
      list.push({ roomId: ids.room(room.roomId), routers: Math.max(1, room.routers) });
      byNode.set(nodeId, list);
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
