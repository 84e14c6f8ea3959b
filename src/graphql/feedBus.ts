import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { familyRootOf } from '../domain/index.ts';
import {
  createFeedQueue,
  DIRECTORY,
  type FeedItem,
  type FeedSubscription,
  type RoomFeed,
} from '../projections/index.ts';

/** Where subscriptions get their items: this process's feed, or Redis shared by every API node. */
export interface FeedBus {
  readonly kind: 'in-process' | 'redis';
  subscribe(topic: string): FeedSubscription;
  close(): Promise<void>;
}

export const inProcessFeedBus = (feed: RoomFeed): FeedBus => ({
  kind: 'in-process',
  subscribe: (topic) => feed.subscribe(topic),
  close: async () => undefined,
});

type WireItem = Omit<FeedItem, 'position'> & { position: string };
const CHANNEL = 'spillway:feed';
const LEADER_KEY = 'spillway:feed-leader';

/**
 * Subscriptions through Redis, so a subscriber on node A sees what a mutation
 * on node B did. Every node projects the same log, so one node at a time (the
 * holder of a short Redis lease) publishes its feed; every node delivers to
 * its subscribers from the channel. If the leader dies, another node takes
 * the lease within `leaseMs` (items in that gap are not sent).
 */
export const redisFeedBus = async (url: string, feed: RoomFeed, leaseMs = 3000): Promise<FeedBus> => {
  const nodeId = randomUUID();
  const publisher = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
  const subscriber = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
  await publisher.connect();
  await subscriber.connect();
  const local = new Map<string, Set<(item: FeedItem) => void>>();
  subscriber.on('message', (_channel: string, message: string) => {
    const wire = JSON.parse(message) as { topic: string; item: WireItem };
    const item = { ...wire.item, position: BigInt(wire.item.position) } as FeedItem;
    for (const deliver of local.get(wire.topic) ?? []) deliver(item);
  });
  await subscriber.subscribe(CHANNEL);

  let leader = false;
  const renew = async (): Promise<void> => {
    const taken = await publisher.set(LEADER_KEY, nodeId, 'PX', leaseMs, 'NX');
    if (taken === 'OK') {
      leader = true;
      return;
    }
    const extended = await publisher.eval(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end",
      1,
      LEADER_KEY,
      nodeId,
      String(leaseMs),
    );
    leader = extended === 1;
  };
  await renew();
  const timer = setInterval(() => void renew().catch(() => (leader = false)), Math.floor(leaseMs / 3));

  // The leader forwards everything its own feed produces, in order.
  let publishing = Promise.resolve();
  const untap = feed.tap((topic, item) => {
    if (!leader) return;
    const wire: WireItem = { ...item, position: String(item.position) };
    const message = JSON.stringify({ topic, item: wire });
    publishing = publishing
      .then(() => publisher.publish(CHANNEL, message).then(() => undefined))
      .catch(() => undefined);
  });

  return {
    kind: 'redis',
    subscribe(topic) {
      const key = topic === DIRECTORY ? DIRECTORY : familyRootOf(topic);
      const set = local.get(key) ?? new Set();
      const queue = createFeedQueue<FeedItem>(key, 10_000, () => set.delete(queue.push));
      set.add(queue.push);
      local.set(key, set);
      return queue.subscription;
    },
    async close() {
      clearInterval(timer);
      untap();
      await publishing;
      if (leader)
        await publisher
          .eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
            1,
            LEADER_KEY,
            nodeId,
          )
          .catch(() => undefined);
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
};
