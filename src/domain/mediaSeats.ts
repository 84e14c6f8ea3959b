/**
 * How room families get media seats on nodes. A family is granted, in its own
 * stream (MediaSeatsGranted), the seats its media nodes hold for it, and its
 * joins are admitted only within them (`mediaHasSeat` in roomRules.ts). The
 * seats are held on each node's own stream (MediaSeatsReserved), decided
 * there with the stream's expected revision: a node's seats are never given
 * to two families at once, and a family's grant never counts a seat that no
 * node holds for it.
 */
import { LISTENERS_PER_ROUTER } from './commands.ts';
import type { ReserveMediaSeats } from './mediaNode.ts';

/** What seat-keeping needs to know of a family. */
export interface FamilySeatDemand {
  readonly familyId: string;
  /** Live: it may admit listeners; ended: what it holds goes back to the nodes. */
  readonly live: boolean;
  /** Listeners seated in all its rooms. */
  readonly listeners: number;
  /** An audience announced ahead (a headliner's): seats are held for it before it arrives. */
  readonly expectedAudience: number;
  /** Nodes that carry its rooms, the main room's first: its seats are sought there first. */
  readonly nodes: readonly string[];
}

/** A live node's seats, and what each family holds of them. */
export interface NodeSeats {
  readonly nodeId: string;
  readonly instanceId: string;
  readonly capacity: number;
  readonly reservations: Readonly<Record<string, number>>;
}

/** A reservation command without its metadata: who and when are the sender's. */
export type SeatChoice = Omit<ReserveMediaSeats, 'metadata'>;

/**
 * Seats a live family should hold: its listeners, and room for a surge to
 * grow into before the next round (a router's worth, or half again as many),
 * or the audience announced for it, whichever is more.
 */
export const seatsWanted = (listeners: number, expectedAudience = 0): number =>
  Math.max(expectedAudience, listeners + Math.max(LISTENERS_PER_ROUTER, Math.ceil(listeners / 2)));

/**
 * Seats a family is granted: what live nodes hold for it. Pure; `nodes` are
 * the live ones (a lost node's seats are gone with it).
 */
export const seatsHeld = (familyId: string, nodes: readonly NodeSeats[]): number =>
  nodes.reduce((sum, node) => sum + (node.reservations[familyId] ?? 0), 0);

/**
 * The reservations that give every live family the seats it wants, as far as
 * live nodes have them free, and give back what ended families hold. Seats
 * only grow while a family is live: a family's grant may be admitting up to
 * them at this moment, so they go back only once it ended. Pure; every API
 * node decides the same, and the node streams settle any race.
 */
export const chooseReservations = (
  families: readonly FamilySeatDemand[],
  nodes: readonly NodeSeats[],
): SeatChoice[] => {
  const held = new Map(nodes.map((n) => [n.nodeId, new Map(Object.entries(n.reservations))]));
  const heldOn = (node: NodeSeats) => held.get(node.nodeId)!;
  const free = (node: NodeSeats): number => {
    let taken = 0;
    for (const seats of heldOn(node).values()) taken += seats;
    return Math.max(0, node.capacity - taken);
  };
  const choices: SeatChoice[] = [];
  const reserve = (node: NodeSeats, familyId: string, seats: number): void => {
    if (seats === 0) heldOn(node).delete(familyId);
    else heldOn(node).set(familyId, seats);
    choices.push({
      type: 'ReserveMediaSeats',
      data: { nodeId: node.nodeId, instanceId: node.instanceId, familyId, seats },
    });
  };

  // Given back first, so that the families that want seats this round can have them.
  const live = new Set(families.filter((f) => f.live).map((f) => f.familyId));
  for (const node of nodes)
    for (const [familyId, seats] of [...heldOn(node)]) if (seats > 0 && !live.has(familyId)) reserve(node, familyId, 0);

  const roomiest = [...nodes].sort((a, b) => free(b) - free(a) || a.nodeId.localeCompare(b.nodeId));
  for (const family of families) {
    if (!family.live) continue;
    let need = seatsWanted(family.listeners, family.expectedAudience);
    for (const node of nodes) need -= heldOn(node).get(family.familyId) ?? 0;
    if (need <= 0) continue;
    const own = family.nodes.map((id) => nodes.find((n) => n.nodeId === id)).filter((n) => n !== undefined);
    for (const node of [...own, ...roomiest.filter((n) => !own.includes(n))]) {
      const take = Math.min(need, free(node));
      if (take <= 0) continue;
      reserve(node, family.familyId, (heldOn(node).get(family.familyId) ?? 0) + take);
      need -= take;
      if (need === 0) break;
    }
  }
  return choices;
};
