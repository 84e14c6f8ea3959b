export type { DocumentProjection } from './types.ts';
export { occurredAt } from './types.ts';
export { openDocumentStore, type DocumentStore } from './documentStore.ts';
export { createProjectionRunner, type Lag, type ProjectionRunner, type RebuildProgress } from './runner.ts';
export {
  detailKey,
  directoryKey,
  evolveRoomDetail,
  roomsProjection,
  toDirectoryEntry,
  type DirectoryEntry,
  type OverflowRoomSummary,
  type RoomDetail,
} from './readModels/rooms.ts';
export { createCapacityPlanProjection, type CapacityPlan, type PlannedRoom } from './readModels/capacityPlan.ts';
export {
  analyticsProjection,
  secondKey,
  summaryKey,
  toMinutes,
  type MinuteBucket,
  type RoomAnalytics,
  type SecondBucket,
} from './readModels/analytics.ts';
export { placementChanges, type Placement, type PlacementChange } from './placementChanges.ts';
export { createFeedQueue } from './feedQueue.ts';
export { asSeenBy, roomFeedFor, type RoomFeedSource } from './roomFeedView.ts';
export { createRoomFeed, DIRECTORY, type FeedItem, type FeedSubscription, type RoomFeed } from './roomFeed.ts';
export { roomAsOf, type Moment } from './roomAsOf.ts';
export { waitingRoomProjection, type QueueStanding } from './readModels/waitingRoom.ts';
export { createReadModels, type ReadModels } from './readModels.ts';
export type { RecordedEvent } from '../eventstore/index.ts';
export {
  isPendingSession,
  querySchedule,
  scheduleProjection,
  type ScheduledSession,
  type ScheduleQueries,
  type SessionsQuery,
} from './readModels/schedule.ts';
export {
  mediaClusterProjection,
  type FamilyPlacement,
  type MediaClusterQueries,
  type MediaNodeEntry,
} from './readModels/mediaCluster.ts';
