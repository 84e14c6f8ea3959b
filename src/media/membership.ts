import { MediaForbiddenError } from './errors.ts';
import type { MediaCaller, MediaPlacement } from './types.ts';

/** Whether a transport made for `caller` still fits where its user is: the same room, the same role. */
export const stillPlaced = (caller: MediaCaller, placement: MediaPlacement | undefined): boolean =>
  placement !== undefined && placement.roomId === caller.roomId && placement.role === caller.role;

/**
 * The membership rule of the media plane, apart from any transport
 * mechanics (a node relaying signaling applies the same rule): a caller may
 * use media made for them only while they are still placed where it was
 * made. Throws MediaForbiddenError saying what changed.
 */
export const requirePlaced = (caller: MediaCaller, placement: MediaPlacement | undefined): void => {
  if (stillPlaced(caller, placement)) return;
  if (!placement) {
    throw new MediaForbiddenError(
      `${caller.userId} is no longer in room ${caller.roomId} (they left, or the room ended): join the room again, then create a new transport.`,
    );
  }
  throw new MediaForbiddenError(
    `${caller.userId} was moved: they are a ${placement.role} in room ${placement.roomId} now, and this media was made for a ${caller.role} in room ${caller.roomId}; create a new transport.`,
  );
};
