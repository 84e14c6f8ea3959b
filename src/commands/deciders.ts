import {
  evolve,
  evolveMediaNode,
  evolveMediaPlacement,
  executeMediaNode,
  executeMediaPlacement,
  initialMediaNodeState,
  initialMediaPlacementState,
  isMediaNodeEvent,
  isMediaPlacementEvent,
  mediaNodeStreamId,
  mediaPlacementStreamId,
  type MediaNodeCommand,
  type MediaNodeEvent,
  type MediaNodeState,
  type MediaPlacementCommand,
  type MediaPlacementEvent,
  type MediaPlacementState,
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

/** A media node's membership: a few events per process start. */
export const mediaNodeDecider: Decider<MediaNodeCommand, MediaNodeEvent, MediaNodeState> = {
  kind: 'Media node',
  streamIdOf: mediaNodeStreamId,
  initialState: initialMediaNodeState,
  evolve: evolveMediaNode,
  isEvent: isMediaNodeEvent,
  execute: executeMediaNode,
};

/** Where a family's rooms are carried: an event per room placed, moved or released. */
export const mediaPlacementDecider: Decider<MediaPlacementCommand, MediaPlacementEvent, MediaPlacementState> = {
  kind: 'Media placement of room family',
  streamIdOf: mediaPlacementStreamId,
  initialState: initialMediaPlacementState,
  evolve: evolveMediaPlacement,
  isEvent: isMediaPlacementEvent,
  execute: executeMediaPlacement,
};
