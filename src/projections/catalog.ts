import { analyticsProjection } from './readModels/analytics.ts';
import { createCapacityPlanProjection } from './readModels/capacityPlan.ts';
import { mediaClusterProjection } from './readModels/mediaCluster.ts';
import { roomsProjection } from './readModels/rooms.ts';
import { scheduleProjection } from './readModels/schedule.ts';
import { waitingRoomProjection } from './readModels/waitingRoom.ts';
import type { DocumentProjection } from './types.ts';

export interface CatalogOptions {
  readonly consumersPerRouter?: number;
}

/** Every read model's projection, built the same way wherever it runs (the runner, a rebuild worker). */
export const createProjections = (options: CatalogOptions = {}): DocumentProjection[] => [
  roomsProjection,
  createCapacityPlanProjection(options.consumersPerRouter),
  analyticsProjection,
  scheduleProjection,
  mediaClusterProjection,
  waitingRoomProjection,
];
