import {
  evolve,
  evolveSession,
  execute,
  executeSession,
  fromSnapshotData,
  initialSessionState,
  initialState,
  isRoomEvent,
  isSessionEvent,
  roomStreamId,
  sessionStreamId,
  toSnapshotData,
  type RoomCommand,
  type RoomEvent,
  type RoomSnapshotData,
  type RoomState,
  type SessionCommand,
  type SessionEvent,
  type SessionState,
} from '../domain/index.ts';
import type { Decider } from './decider.ts';

/** Rooms: big streams (a surge is tens of thousands of events), so they load from snapshots. */
export const roomDecider: Decider<RoomCommand, RoomEvent, RoomState> = {
  kind: 'Room',
  streamIdOf: roomStreamId,
  initialState,
  evolve,
  isEvent: isRoomEvent,
  execute,
  snapshots: {
    toData: toSnapshotData,
    fromData: (data) =>
      (data as Partial<RoomSnapshotData> | null)?.version === 1
        ? fromSnapshotData(data as RoomSnapshotData)
        : undefined,
  },
};

/** Sessions: a handful of events each, folded from the start. */
export const sessionDecider: Decider<SessionCommand, SessionEvent, SessionState> = {
  kind: 'Session',
  streamIdOf: sessionStreamId,
  initialState: initialSessionState,
  evolve: evolveSession,
  isEvent: isSessionEvent,
  execute: executeSession,
};
