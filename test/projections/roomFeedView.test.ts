import { describe, expect, it } from 'vitest';
import {
  asSeenBy,
  createFeedQueue,
  roomFeedFor,
  type FeedItem,
  type FeedSubscription,
  type RoomDetail,
} from '../../src/projections/index.ts';

const hands = (list: string[], changed: string, position = 5n): FeedItem => ({
  kind: 'HandsChanged',
  roomId: 'show',
  hands: list,
  changed: [changed],
  moderators: ['mod'],
  position,
});
const count = (position: bigint): FeedItem => ({
  kind: 'ListenerCountChanged',
  roomId: 'show',
  listenerCount: 1,
  familyListenerCount: 1,
  position,
});
const ended = (roomId: string, position: bigint): FeedItem => ({
  kind: 'RoomEnded',
  roomId,
  reason: 'ended',
  position,
});

/** A feed source with one live room `show` (and whatever `rooms` adds), whose published items the test pushes. */
const source = (rooms: Record<string, Partial<RoomDetail>> = {}) => {
  const queues: Array<(item: FeedItem) => void> = [];
  return {
    publish: (item: FeedItem) => queues.forEach((push) => push(item)),
    subscribe: (roomId: string): FeedSubscription => {
      const queue = createFeedQueue<FeedItem>(roomId, 100, () => undefined);
      queues.push(queue.push);
      return queue.subscription;
    },
    room: (roomId: string) => (roomId === 'show' ? { state: 'live' } : rooms[roomId]) as RoomDetail | undefined,
  };
};
const pushed = (feed: FeedSubscription) => {
  const got: FeedItem[] = [];
  let done = false;
  feed.deliverTo(
    (item) => got.push(item),
    () => (done = true),
  );
  return { got, done: () => done };
};

describe('a viewer’s room feed', () => {
  it('raised hands: the item itself for a moderator, the owner’s own hand for them, nothing for others', () => {
    const item = hands(['ann', 'bob'], 'bob');
    expect(asSeenBy(item, 'mod')).toBe(item);
    expect(asSeenBy(item, 'bob')).toMatchObject({ hands: ['bob'], moderators: [] });
    expect(asSeenBy(item, 'ann')).toBeUndefined();
    expect(asSeenBy(item, 'zed')).toBeUndefined();
    // The same object each time, so the shared execution of the item runs once for bob's subscriptions.
    expect(asSeenBy(item, 'bob')).toBe(asSeenBy(item, 'bob'));
    expect(asSeenBy(count(1n), 'zed')).toEqual(count(1n));
  });

  it('pushed: drops an item ordered before one already sent, and completes right after the room’s RoomEnded', () => {
    const bus = source();
    const seen = pushed(roomFeedFor(bus, 'show', 'zed')!);
    bus.publish(count(3n));
    bus.publish(count(2n));
    bus.publish(hands(['ann'], 'ann', 4n));
    bus.publish(ended('show.overflow-1', 5n));
    expect(seen.done()).toBe(false);
    bus.publish(ended('show', 6n));
    bus.publish(count(7n));
    expect(seen.got.map((item) => `${item.kind} ${item.position}`)).toEqual([
      'ListenerCountChanged 3',
      'RoomEnded 5',
      'RoomEnded 6',
    ]);
    expect(seen.done()).toBe(true);
  });

  it('pulled: the same, through the iterator', async () => {
    const bus = source();
    const feed = roomFeedFor(bus, 'show', 'zed')!;
    for (const item of [count(3n), count(2n), ended('show', 6n), count(7n)]) bus.publish(item);
    const got: bigint[] = [];
    for await (const item of feed) got.push(item.position);
    expect(got).toEqual([3n, 6n]);
  });

  it('an unknown room has no feed; an ended one sends its RoomEnded and completes', async () => {
    const bus = source({ gone: { state: 'ended', endReason: 'drained', position: '41' } });
    expect(roomFeedFor(bus, 'nowhere', 'zed')).toBeUndefined();
    const seen = pushed(roomFeedFor(bus, 'gone', 'zed')!);
    expect(seen.got).toEqual([ended('gone', 41n)].map((item) => ({ ...item, reason: 'drained' })));
    expect(seen.done()).toBe(true);
    const got: FeedItem[] = [];
    for await (const item of roomFeedFor(bus, 'gone', 'zed')!) got.push(item);
    expect(got).toEqual(seen.got);
  });
});
