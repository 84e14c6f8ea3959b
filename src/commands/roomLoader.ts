import {
  fromSnapshotData,
  initialState,
  isRoomEvent,
  evolve,
  roomStreamId,
  toSnapshotData,
  type RoomSnapshotData,
  type RoomState,
} from '../domain/index.ts';
import { StreamNotFoundError, type EventStore, type RecordedEvent, type SnapshotStore } from '../eventstore/index.ts';
import { UnknownRoomEventError } from './errors.ts';

/** A room as its writer holds it: the state and the revision of its stream it reflects (-1n: no stream). */
export interface LoadedRoom {
  state: RoomState;
  revision: bigint;
}

export const toRoomEvent = (recorded: RecordedEvent) => {
  const event = { type: recorded.type, data: recorded.data };
  if (!isRoomEvent(event)) throw new UnknownRoomEventError(recorded.streamId, recorded.type);
  return event;
};

/** Loads a room: its latest snapshot, if any, plus the events after it. */
export const loadRoom = async (store: EventStore, snapshots: SnapshotStore, roomId: string): Promise<LoadedRoom> => {
  const streamId = roomStreamId(roomId);
  let state = initialState();
  let revision = -1n;
  const snapshot = await snapshots.load(streamId);
  if (snapshot && (snapshot.data as Partial<RoomSnapshotData>).version === 1) {
    state = fromSnapshotData(snapshot.data as RoomSnapshotData);
    revision = snapshot.revision;
  }
  let events: RecordedEvent[];
  try {
    events = await store.readStream(streamId, { from: revision + 1n });
  } catch (error) {
    if (error instanceof StreamNotFoundError) return { state: initialState(), revision: -1n };
    throw error;
  }
  for (const recorded of events) {
    state = evolve(state, toRoomEvent(recorded));
    revision = recorded.revision;
  }
  return { state, revision };
};

export const saveRoomSnapshot = (snapshots: SnapshotStore, roomId: string, room: LoadedRoom): Promise<void> =>
  snapshots.save(roomStreamId(roomId), room.revision, toSnapshotData(room.state));
