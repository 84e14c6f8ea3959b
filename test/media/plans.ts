import type { CapacityPlan } from '../../src/projections/index.ts';

/** A live family: the main room plus `overflowRooms` overflow rooms, one router each unless `routers` says otherwise. */
export const livePlan = (
  familyId: string,
  speakers: readonly string[],
  overflowRooms: number,
  routers: { main?: number; overflow?: number } = {},
): CapacityPlan => ({
  familyId,
  state: 'live',
  speakers,
  expectedAudience: 0,
  rooms: [
    {
      roomId: familyId,
      role: 'main',
      open: true,
      listeners: 0,
      capacity: 5000,
      warmFor: 0,
      routers: routers.main ?? 1,
    },
    ...Array.from({ length: overflowRooms }, (_, i) => ({
      roomId: `${familyId}-overflow-${i + 1}`,
      role: 'overflow' as const,
      open: true,
      listeners: 0,
      capacity: 5000,
      warmFor: 0,
      routers: routers.overflow ?? 1,
    })),
  ],
});

export const endedPlan = (plan: CapacityPlan): CapacityPlan => ({
  ...plan,
  state: 'ended',
  rooms: plan.rooms.map((r) => ({ ...r, open: false, routers: 0 })),
});
