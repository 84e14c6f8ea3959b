export * from './commands.ts';
export * from './errors.ts';
export * from './events.ts';
export { decide, familyRootOf, overflowRoomId } from './decide.ts';
export { execute, TransitionRefusedError } from './execute.ts';
export { mirrorToOverflowRooms, type MirroredEvent } from './overflowMirror.ts';
export {
  evolve,
  familyListenerCount,
  initialState,
  liveRegions,
  replay,
  roomStatus,
  type RoomState,
  type RoomStatus,
} from './room.ts';
export { GUARD_ONLY_EVENTS, roomMachine, type RoomContext, type RoomSnapshot } from './roomMachine.ts';
export { fromSnapshotData, toSnapshotData, type RoomSnapshotData } from './snapshotData.ts';
export type { Member, MemberRole, OverflowSeats, Roster, SeatLedger } from './seats.ts';
export * from './sessionCommands.ts';
export * from './sessionEvents.ts';
export { decideSession, executeSession, sessionNotFound } from './sessionDecide.ts';
export {
  evolveSession,
  initialSessionState,
  overflowRoomsFor,
  replaySession,
  sessionDueAt,
  sessionStatus,
  type SessionState,
  type SessionStatus,
  type SessionStep,
} from './session.ts';
export { sessionMachine, type SessionContext, type SessionSnapshot } from './sessionMachine.ts';
export * from './mediaNode.ts';
export * from './mediaPlacement.ts';
