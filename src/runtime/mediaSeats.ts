import type { MediaCommands } from '../commands/index.ts';
import { chooseReservations, seatsHeld, type GrantMediaSeats, type NodeSeats } from '../domain/index.ts';
import type { CapacityPlan, MediaNodeEntry, ReadModels } from '../projections/index.ts';

export interface SeatKeeping {
  readonly commands: MediaCommands;
  /** Records a family's media seats through its mailbox (and its owner, with several API nodes). */
  readonly grantSeats: (command: GrantMediaSeats) => Promise<unknown>;
  readonly readModels: ReadModels;
  readonly metadata: () => { actor: string; at: string };
}

/**
 * One round of media seats: holds seats on live nodes for every live family
 * (and gives back what ended ones held), then grants each family what its
 * nodes hold for it. Seats are held before they are granted, so a grant
 * never counts a seat that no node holds; the family's mailbox refuses joins
 * past its grant. `placed`: family → room → the node of each of its routers.
 */
export const keepMediaSeats = async (
  { commands, grantSeats, readModels, metadata }: SeatKeeping,
  plans: readonly CapacityPlan[],
  live: readonly MediaNodeEntry[],
  placed: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
): Promise<void> => {
  const nodes: NodeSeats[] = live.map(({ nodeId, instanceId, capacity, reservations }) => ({
    nodeId,
    instanceId,
    capacity,
    reservations,
  }));
  const families = plans.map((plan) => {
    const rooms = placed.get(plan.familyId);
    const main = rooms?.get(plan.familyId)?.[0];
    return {
      familyId: plan.familyId,
      live: plan.state === 'live',
      listeners: plan.rooms.reduce((n, r) => n + (r.open ? r.listeners : 0), 0),
      // A prewarmed family's audience is known before its headliner is announced (at the doors):
      // its warm rooms carry it, so the seats are held before the first listener comes.
      expectedAudience: Math.max(
        plan.expectedAudience,
        plan.rooms.reduce((n, r) => n + (r.open ? r.warmFor : 0), 0),
      ),
      nodes: [...new Set([...(main ? [main] : []), ...[...(rooms?.values() ?? [])].flat()])].filter(Boolean),
    };
  });
  let position = -1n;
  for (const choice of chooseReservations(families, nodes)) {
    const result = await commands.node({ ...choice, metadata: metadata() });
    if (result.position > position) position = result.position;
    // The node's stream as the append left it: another API node may have reserved there first.
    const index = nodes.findIndex((n) => n.nodeId === choice.data.nodeId);
    nodes[index] = { ...nodes[index]!, reservations: Object.fromEntries(result.state.reservations) };
  }
  if (position >= 0n) await readModels.waitFor(position);
  for (const plan of plans) {
    const seats = seatsHeld(plan.familyId, nodes);
    if (plan.state !== 'live' || plan.mediaSeats === seats) continue;
    await grantSeats({ type: 'GrantMediaSeats', data: { roomId: plan.familyId, seats }, metadata: metadata() });
  }
};
