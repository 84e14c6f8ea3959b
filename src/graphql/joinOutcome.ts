import { familyRootOf, type RoomEvent } from '../domain/index.ts';
import type { ReadModels } from '../projections/index.ts';
import type { JoinOutcomeShape } from './types/room.ts';

/** Where the user sits after `events` (the last seat event naming them), if they were seated. */
export const seatIn = (events: readonly RoomEvent[], userId: string): string | undefined => {
  let placedIn: string | undefined;
  for (const event of events) {
    if (event.type === 'ListenerAdmitted' && event.data.userId === userId) placedIn = event.data.roomId;
    if (event.type === 'ListenerRedirectedToOverflow' && event.data.userId === userId)
      placedIn = event.data.overflowRoomId;
  }
  return placedIn;
};

/**
 * A listener's standing with a family's waiting room as this node's read
 * models hold it: queued (where), seated from the queue (where), or neither
 * (undefined).
 */
export const standingOf = (readModels: ReadModels, roomId: string, userId: string): JoinOutcomeShape | undefined => {
  const family = familyRootOf(roomId);
  const standing = readModels.queueStanding(family, userId);
  if (standing.status === 'none') return undefined;
  const room = readModels.room(standing.status === 'admitted' ? standing.placedIn : family);
  if (!room) return undefined;
  return standing.status === 'admitted'
    ? { kind: 'placed', room, role: 'listener' }
    : { kind: 'queued', room, position: standing.position, waiting: standing.waiting };
};

/**
 * A listener's standing, followed: their place now, then each change the
 * read models commit (a new position, or the seat), ending once they are
 * seated, out of the queue or the room ended. Undefined when they are neither
 * waiting nor just seated from the queue. Reads after each committed batch
 * that touched the family's queue, on whichever node serves the subscription
 * (every node's read models follow the one log). `return()` (the client went
 * away) stops watching at once, even while waiting for the next change.
 */
export const followStanding = (
  readModels: ReadModels,
  roomId: string,
  userId: string,
): AsyncIterableIterator<JoinOutcomeShape> | undefined => {
  const first = standingOf(readModels, roomId, userId);
  if (!first) return undefined;
  let last: JoinOutcomeShape | undefined;
  let dirty = false;
  let finished = false;
  let wake: (() => void) | undefined;
  const stop = readModels.watchQueue(roomId, () => {
    dirty = true;
    wake?.();
  });
  const finish = (): IteratorResult<JoinOutcomeShape> => {
    finished = true;
    stop();
    wake?.();
    return { done: true, value: undefined };
  };
  const iterator: AsyncIterableIterator<JoinOutcomeShape> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<JoinOutcomeShape>> {
      if (finished) return { done: true, value: undefined };
      if (!last) return { done: false, value: (last = first) };
      while (!finished && last.kind === 'queued') {
        if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (finished) break;
        dirty = false;
        const now = standingOf(readModels, roomId, userId);
        if (!now) break;
        if (now.kind === 'queued' && now.position === last.position && now.waiting === last.waiting) continue;
        return { done: false, value: (last = now) };
      }
      return finish();
    },
    return: async () => finish(),
  };
  return iterator;
};
