import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/index.ts';
import { createRoomFeed, type FeedItem, type RoomDetail } from '../../src/projections/index.ts';

const COALESCE_MS = 250;

/** A room feed over a read model of listener counts the test sets, and what its subscriber to `show` got. */
const feedOverCounts = () => {
  const counts = new Map<string, number>();
  const feed = createRoomFeed({
    coalesceMs: COALESCE_MS,
    readDetail: (roomId) =>
      ({
        roomId,
        parentRoomId: null,
        listenerCount: counts.get(roomId) ?? 0,
        familyListenerCount: counts.get(roomId) ?? 0,
        hands: [],
        speakers: [],
      }) as unknown as RoomDetail,
  });
  const received: FeedItem[] = [];
  feed.subscribe('show').deliverTo(
    (item) => received.push(item),
    () => undefined,
  );
  let position = 0n;
  const event = (type: string, data: Record<string, unknown>): RecordedEvent => ({
    eventId: `e${position}`,
    streamId: 'room-show',
    type,
    data: { roomId: 'show', ...data },
    metadata: {},
    revision: position,
    position: position++,
    recordedAt: new Date(0),
  });
  /** `n` listeners join in one committed batch. */
  const join = (n: number): void => {
    counts.set('show', (counts.get('show') ?? 0) + n);
    feed.onBatch(Array.from({ length: n }, (_, i) => event('ListenerAdmitted', { userId: `u${position}-${i}` })));
  };
  const countsSent = () =>
    received.filter((item) => item.kind === 'ListenerCountChanged').map((item) => item.listenerCount);
  return { feed, received, join, event, countsSent };
};

describe('room feed: listener counts', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a quiet room sends its first count with the batch that changed it, not after the window', () => {
    const { join, countsSent } = feedOverCounts();
    join(1);
    expect(countsSent()).toEqual([1]);
  });

  it('changes within the window go out together at its end; then the next change is immediate again', () => {
    const { join, countsSent } = feedOverCounts();
    join(1);
    vi.advanceTimersByTime(100);
    join(2);
    join(3);
    expect(countsSent()).toEqual([1]);
    vi.advanceTimersByTime(COALESCE_MS - 100);
    expect(countsSent()).toEqual([1, 6]);
    // That send opened another window; nothing changed in it, so it closes quietly.
    vi.advanceTimersByTime(COALESCE_MS);
    expect(countsSent()).toEqual([1, 6]);
    join(1);
    expect(countsSent()).toEqual([1, 6, 7]);
  });

  it('a surge sends at most one count per window, and the last one is exact', () => {
    const { join, countsSent } = feedOverCounts();
    for (let ms = 0; ms < 2000; ms += 10) {
      join(5);
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(COALESCE_MS);
    expect(countsSent().length).toBeGreaterThanOrEqual(2000 / COALESCE_MS);
    expect(countsSent().length).toBeLessThanOrEqual(2000 / COALESCE_MS + 2);
    expect(countsSent().at(-1)).toBe(1000);
  });

  it('a count waiting in its window goes out before the room ends', () => {
    const { feed, join, event, received } = feedOverCounts();
    join(1);
    join(1);
    feed.onBatch([event('RoomEnded', { by: 'mod', reason: 'ended', at: new Date(0).toISOString() })]);
    expect(received.map((item) => item.kind)).toEqual(['ListenerCountChanged', 'ListenerCountChanged', 'RoomEnded']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the count follows the other changes of its batch', () => {
    const { feed, event, received } = feedOverCounts();
    feed.onBatch([event('ListenerAdmitted', { userId: 'bob' }), event('HandRaised', { userId: 'bob' })]);
    expect(received.map((item) => item.kind)).toEqual(['HandsChanged', 'ListenerCountChanged']);
  });

  it('a count sent at its window’s end carries a position no earlier than what went out before it', () => {
    const { feed, join, event, received } = feedOverCounts();
    join(1);
    join(1);
    feed.onBatch([event('HandRaised', { userId: 'bob' })]);
    vi.advanceTimersByTime(COALESCE_MS);
    expect(received.map((item) => item.kind)).toEqual(['ListenerCountChanged', 'HandsChanged', 'ListenerCountChanged']);
    const positions = received.map((item) => item.position);
    expect(positions[2]).toBeGreaterThanOrEqual(positions[1]!);
  });
});

describe('room feed: hands', () => {
  it('sends HandsChanged when a hand goes up or down, and not when someone without one leaves', () => {
    const { feed, event, received } = feedOverCounts();
    feed.onBatch([event('RoomOpened', { parentRoomId: null, by: 'mod' })]);
    feed.onBatch([
      event('ListenerAdmitted', { userId: 'bob' }),
      event('ListenerAdmitted', { userId: 'ann' }),
      event('HandRaised', { userId: 'ann' }),
    ]);
    feed.onBatch([event('ListenerLeft', { userId: 'bob', fromRoomId: 'show' })]);
    feed.onBatch([event('ListenerLeft', { userId: 'ann', fromRoomId: 'show' })]);
    const hands = received.flatMap((item) => (item.kind === 'HandsChanged' ? [[...item.hands]] : []));
    expect(hands).toEqual([['ann'], []]);
  });
});
