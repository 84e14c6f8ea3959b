import { createRoomCommands, type RoomCommands } from '../../src/commands/index.ts';
import { isRoomEvent, type RoomEvent } from '../../src/domain/index.ts';
import type { EventStore, RecordedEvent, SnapshotStore } from '../../src/eventstore/index.ts';

/** A recorded event of a room stream as the domain's event (tests and benchmarks read streams back). */
export const toRoomEvent = (recorded: RecordedEvent): RoomEvent => {
  const event = { type: recorded.type, data: recorded.data };
  if (!isRoomEvent(event)) throw new TypeError(`${recorded.streamId} holds an unknown event type ${recorded.type}`);
  return event;
};

/** Loads a room as a fresh writer would: its latest snapshot in `snapshots`, plus the events after it. */
export const loadRoom = (
  store: EventStore,
  snapshots: SnapshotStore,
  roomId: string,
): ReturnType<RoomCommands['load']> => createRoomCommands(store, snapshots).load(roomId);
