export type {
  AcceptInvite,
  AddModerator,
  AdmitFromQueue,
  AnnounceHeadliner,
  CommandMetadata,
  EndRoom,
  GrantMediaSeats,
  InviteToSpeak,
  JoinRoom,
  LeaveQueue,
  LeaveRoom,
  LowerHand,
  MarkHeadlinerArrived,
  MoveToAudience,
  OpenDoors,
  OpenRoom,
  PrewarmRoom,
  RaiseHand,
  RoomCommand,
} from './commands.ts';
export {
  DEFAULT_CAPACITY,
  DEFAULT_MAX_OVERFLOW_ROOMS,
  DEFAULT_QUEUE_CAPACITY,
  LISTENERS_PER_ROUTER,
} from './commands.ts';
export { DomainError, type DomainErrorCode } from './errors.ts';
export * from './events.ts';
export { decide, familyRootOf, overflowRoomId } from './decide.ts';
export { queuePositionOf, seatFor, spawnWindowReopensAt, type Seat } from './seating.ts';
export { MAX_QUEUE_CAPACITY, MAX_SPAWN_WINDOW_MS, MIN_SPAWN_WINDOW_MS } from './validation.ts';
export { SPAWN_WINDOW_MS } from './roomContext.ts';
export {
  dequeue,
  emptyWaitingRoom,
  enqueue,
  headOf,
  positionOf,
  waitingRoomOf,
  type WaitingRoom,
} from './waitingRoom.ts';
export { isRecord, roomIdRefusal } from './validation.ts';
export { execute, TransitionRefusedError } from './execute.ts';
export { mirrorToOverflowRooms, type MirroredEvent } from './overflowMirror.ts';
export { evolve, initialState, replay, roomStatus, type RoomState } from './room.ts';
export { fromSnapshotData, toSnapshotData, type RoomSnapshotData } from './snapshotData.ts';
export type {
  CancelSession,
  OpenSession,
  PrewarmSession,
  RescheduleSession,
  ScheduleSession,
  SessionCommand,
} from './sessionCommands.ts';
export * from './sessionEvents.ts';
export { executeSession, sessionNotFound } from './sessionDecide.ts';
export {
  evolveSession,
  initialSessionState,
  sessionDueAt,
  sessionStatus,
  type SessionState,
  type SessionStatus,
  type SessionStep,
} from './session.ts';
export type { SessionContext } from './sessionMachine.ts';
export {
  evolveMediaNode,
  executeMediaNode,
  initialMediaNodeState,
  isMediaNodeEvent,
  MEDIA_NODE_EVENT_TYPES,
  mediaNodeStreamId,
  type MediaNodeCommand,
  type MediaNodeEvent,
  type MediaNodeProfile,
  type MediaNodeState,
  type ReserveMediaSeats,
} from './mediaNode.ts';
export {
  chooseReservations,
  seatsHeld,
  seatsWanted,
  type FamilySeatDemand,
  type NodeSeats,
  type SeatChoice,
} from './mediaSeats.ts';
export {
  choosePlacements,
  evolveMediaPlacement,
  executeMediaPlacement,
  initialMediaPlacementState,
  isMediaPlacementEvent,
  MEDIA_PLACEMENT_EVENT_TYPES,
  mediaPlacementStreamId,
  nodeOfRouter,
  routerFor,
  type MediaPlacementCommand,
  type MediaPlacementEvent,
  type MediaPlacementState,
  type PlacementChoice,
} from './mediaPlacement.ts';
