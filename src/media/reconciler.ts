import type { types as ms } from 'mediasoup';
import type { CapacityPlan } from '../projections/index.ts';
import type { FamilyMedia, LiveMedia, PlacedRouter } from './liveMedia.ts';
import type { LostRoom, ReconcileReport } from './types.ts';

interface Tally {
  routersCreated: number;
  routersClosed: number;
  pipesCreated: number;
  pipesClosed: number;
  producersClosed: number;
  /** Rooms that had listeners on a router the plan no longer needs. */
  readonly scaledDown: LostRoom[];
}

/**
 * Routers each room of a family should have. A live family always keeps its
 * main router (speakers produce there) even before anyone listens; an ended
 * family, or one whose main room is closed, needs none.
 */
export const desiredRouters = (plan: CapacityPlan): Map<string, number> => {
  const desired = new Map<string, number>();
  const main = plan.rooms.find((r) => r.roomId === plan.familyId);
  if (plan.state === 'ended' || !main?.open) return desired;
  for (const room of plan.rooms) {
    if (!room.open) continue;
    desired.set(room.roomId, room.roomId === plan.familyId ? Math.max(1, room.routers) : Math.max(0, room.routers));
  }
  return desired;
};

/** Makes live routers and pipes match the plans; plans must be the complete desired state. */
export const reconcile = async (
  live: LiveMedia,
  plans: readonly CapacityPlan[],
  listenInfo: ms.TransportListenInfo,
): Promise<ReconcileReport & { scaledDown: readonly LostRoom[] }> => {
  const tally: Tally = {
    routersCreated: 0,
    routersClosed: 0,
    pipesCreated: 0,
    pipesClosed: 0,
    producersClosed: 0,
    scaledDown: [],
  };
  const planned = new Set(plans.map((p) => p.familyId));
  for (const family of [...live.families.values()]) {
    if (!planned.has(family.familyId)) closeFamily(live, family, tally);
  }
  await Promise.all(plans.map((plan) => reconcileFamily(live, plan, listenInfo, tally)));
  return tally;
};

const closeFamily = (live: LiveMedia, family: FamilyMedia, tally: Tally): void => {
  for (const routers of family.rooms.values()) {
    for (const placed of routers) tally.pipesClosed += placed.pipes.size;
    tally.routersClosed += routers.length;
  }
  // Closing the main router first lets mediasoup tear the pipes down from their source.
  const all = [...family.rooms.values()].flat().sort((a, b) => Number(b.primary) - Number(a.primary));
  for (const placed of all) placed.router.close();
  live.families.delete(family.familyId);
};

const reconcileFamily = async (
  live: LiveMedia,
  plan: CapacityPlan,
  listenInfo: ms.TransportListenInfo,
  tally: Tally,
) => {
  const desired = desiredRouters(plan);
  const existing = live.families.get(plan.familyId);
  if (desired.size === 0) {
    if (existing) closeFamily(live, existing, tally);
    return;
  }
  const family = existing ?? live.family(plan.familyId);
  family.speakers = new Set(plan.speakers);

  for (const [roomId, routers] of [...family.rooms]) {
    const want = desired.get(roomId) ?? 0;
    if (routers.length > want) closeExtras(routers, want, tally);
  }
  for (const [id, speaker] of [...family.producers]) {
    if (family.speakers.has(speaker.userId)) continue;
    // Closed here rather than left to mediasoup's asynchronous producerclose, so the report and the state agree on return.
    for (const routers of family.rooms.values()) {
      for (const placed of routers) {
        const pipe = placed.pipes.get(id);
        if (!pipe) continue;
        pipe.close();
        tally.pipesClosed += 1;
      }
    }
    speaker.producer.close();
    tally.producersClosed += 1;
  }

  if (!family.main) {
    // The main router comes first: it is the source every other router is fed from.
    await live.openRouter(family, plan.familyId, true);
    tally.routersCreated += 1;
  }
  const opening: Array<Promise<PlacedRouter>> = [];
  for (const [roomId, want] of desired) {
    const have = family.rooms.get(roomId)?.length ?? 0;
    for (let i = have; i < want; i += 1) opening.push(live.openRouter(family, roomId, false));
  }
  // Await first, then add: `tally.x += await y` would read tally.x before the await and lose other families' counts.
  const opened = await Promise.all(opening);
  tally.routersCreated += opened.length;
  const piped = await pipeSpeakers(live, family, listenInfo);
  tally.pipesCreated += piped;
};

/** Closes the routers beyond `want`, the emptiest first and never the main router. */
const closeExtras = (routers: readonly PlacedRouter[], want: number, tally: Tally): void => {
  const closable = routers.filter((r) => !r.primary).sort((a, b) => a.listeners - b.listeners);
  const excess = closable.slice(0, routers.length - want);
  for (const placed of excess) {
    if (placed.listeners > 0 && !tally.scaledDown.some((l) => l.roomId === placed.roomId)) {
      tally.scaledDown.push({ familyId: placed.familyId, roomId: placed.roomId });
    }
    tally.pipesClosed += placed.pipes.size;
    tally.routersClosed += 1;
    placed.router.close();
  }
};

/** Pipes every on-stage producer into every router of the family that lacks it; returns how many pipes it made. */
export const pipeSpeakers = async (
  live: LiveMedia,
  family: FamilyMedia,
  listenInfo: ms.TransportListenInfo,
): Promise<number> => {
  const piping: Array<Promise<boolean>> = [];
  for (const routers of family.rooms.values()) {
    for (const placed of routers) {
      if (placed.primary) continue;
      for (const [producerId, speaker] of family.producers) {
        if (!placed.pipes.has(producerId) && family.speakers.has(speaker.userId)) {
          piping.push(live.pipe(family, producerId, placed, listenInfo));
        }
      }
    }
  }
  return (await Promise.all(piping)).filter(Boolean).length;
};
