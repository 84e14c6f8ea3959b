import { roomStreamId } from '../domain/index.ts';
import { StreamNotFoundError, type EventStore } from '../eventstore/index.ts';
import { evolveRoomDetail, type RoomDetail } from './readModels/rooms.ts';
import { occurredAt } from './types.ts';

/** A moment in a room's history: a time, or a log position. */
export type Moment = { readonly at: Date } | { readonly position: bigint };

/**
 * The room's detail as it was at a moment, by folding its stream up to there
 * through the same function the room-detail read model uses. Undefined when
 * the room did not exist yet (or at all).
 */
export const roomAsOf = async (store: EventStore, roomId: string, moment: Moment): Promise<RoomDetail | undefined> => {
  let events;
  try {
    events = await store.readStream(roomStreamId(roomId));
  } catch (error) {
    if (error instanceof StreamNotFoundError) return undefined;
    throw error;
  }
  let detail: RoomDetail | undefined;
  for (const event of events) {
    const after = 'at' in moment ? occurredAt(event) > moment.at.getTime() : event.position > moment.position;
    if (after) break;
    detail = evolveRoomDetail(detail, event);
  }
  return detail;
};
