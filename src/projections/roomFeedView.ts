import { completedFeed, viewOfFeed } from './feedQueue.ts';
import type { RoomDetail } from './readModels/rooms.ts';
import type { FeedItem, FeedSubscription } from './roomFeed.ts';

type HandsChanged = Extract<FeedItem, { kind: 'HandsChanged' }>;

/** One hands item as each non-moderator saw it, per user: shared by all their subscriptions, gone with the item. */
const ownHands = new WeakMap<HandsChanged, Map<string, HandsChanged>>();

/**
 * What `userId` may see of an item. Raised hands are for the room's
 * moderators, who see every hand, and for each hand's owner, who sees only
 * their own: anyone else is not told that a hand changed at all. Everything
 * else is the item itself. The answer is the same object for everyone who
 * sees the same thing, so results executed once per item stay shared.
 */
export const asSeenBy = (item: FeedItem, userId: string): FeedItem | undefined => {
  if (item.kind !== 'HandsChanged' || item.moderators.includes(userId)) return item;
  if (!item.changed.includes(userId)) return undefined;
  let seen = ownHands.get(item);
  if (!seen) ownHands.set(item, (seen = new Map<string, HandsChanged>()));
  let own = seen.get(userId);
  if (!own) {
    own = { ...item, hands: item.hands.includes(userId) ? [userId] : [], changed: [userId], moderators: [] };
    seen.set(userId, own);
  }
  return own;
};

export interface RoomFeedSource {
  /** A live subscription to a room family's items (the feed, or a bus carrying it). */
  readonly subscribe: (roomId: string) => FeedSubscription;
  readonly room: (roomId: string) => RoomDetail | undefined;
}

/**
 * One viewer's feed of a room (and its family), with an end a client can
 * rely on: undefined for a room the read models do not know; for an ended
 * room, its RoomEnded and then complete; for a live one, what the viewer may
 * see (`asSeenBy`), in non-decreasing position, complete right after the
 * RoomEnded of the room asked for (an overflow room's comes after its main
 * room's).
 */
export const roomFeedFor = (source: RoomFeedSource, roomId: string, userId: string): FeedSubscription | undefined => {
  // Subscribed before the room is read: an end published after the read still reaches this subscription.
  const live = source.subscribe(roomId);
  const room = source.room(roomId);
  if (!room || room.state === 'ended') live.close();
  if (!room) return undefined;
  if (room.state === 'ended') {
    const ended: FeedItem = {
      kind: 'RoomEnded',
      roomId,
      reason: room.endReason ?? 'ended',
      position: BigInt(room.position),
    };
    return completedFeed(roomId, [ended]);
  }
  return viewOfFeed(live, {
    see: (item) => asSeenBy(item, userId),
    isLast: (item) => item.kind === 'RoomEnded' && item.roomId === roomId,
    orderOf: (item) => item.position,
  });
};
