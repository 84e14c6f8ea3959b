import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { familyRootOf } from '../domain/index.ts';
import {
  createFeedQueue,
  DIRECTORY,
  type FeedItem,
  type FeedSubscription,
  type RoomFeed,
} from '../projections/index.ts';
import { decodeFeedMessage, encodeFeedMessage, type RejectionReason } from './feedWire.ts';

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

export interface RedisFeedBusOptions {
  /** The deployment's namespace: its keys are `spillway:{namespace}:feed` and `…:feed-leader`. */
  readonly namespace: string;
  /** How long a leader's lease lasts unrenewed. Default 3,000 ms. */
  readonly leaseMs?: number;
  /** Entries the stream keeps (about). Default 10,000. */
  readonly maxLength?: number;
  /** How long a node remembers what its feed produced, to send it if it becomes leader. Default 15,000 ms. */
  readonly replayWindowMs?: number;
  /** Told of every message read from Redis that was not a feed item (it is dropped). */
  readonly onRejected?: (reason: RejectionReason, message: string) => void;
}

// Publishes only while the caller holds the lease: a leader that lost it cannot write (the lease is the fence).
const PUBLISH_IF_LEADER = `if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 3, #ARGV do redis.call('xadd', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[i]) end
return 1`;
const EXTEND_IF_LEADER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_IF_LEADER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

type StreamEntry = [id: string, fields: string[]];
const messageOf = (fields: readonly string[]): string | undefined =>
  fields[0] === 'm' && typeof fields[1] === 'string' ? fields[1] : undefined;

/**
 * Subscriptions through Redis, so a subscriber on node A sees what a mutation
 * on node B did. Every node projects the same log, so one node at a time (the
 * holder of a short Redis lease) appends its feed to a Redis stream; every
 * node reads the stream from where it last was and delivers to its own
 * subscribers. Every node remembers what its own feed produced for
 * `replayWindowMs`; a node that takes the lease first appends whatever it
 * remembers that the stream's tail lacks, so a leader's death loses nothing.
 * Everything read from Redis is checked; a bad entry is dropped and reported.
 */
export const redisFeedBus = async (url: string, feed: RoomFeed, options: RedisFeedBusOptions): Promise<FeedBus> => {
  const leaseMs = options.leaseMs ?? 3000;
  const maxLength = String(options.maxLength ?? 10_000);
  const replayWindowMs = options.replayWindowMs ?? 15_000;
  const stream = `spillway:${options.namespace}:feed`;
  const leaderKey = `spillway:${options.namespace}:feed-leader`;
  const nodeId = randomUUID();
  const publisher = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
  const reader = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  for (const client of [publisher, reader]) client.on('error', () => undefined);
  await publisher.connect();
  await reader.connect();

  const local = new Map<string, Set<(item: FeedItem) => void>>();
  const deliver = (message: string | undefined): void => {
    const decoded = message === undefined ? ({ rejected: 'not-an-item' } as const) : decodeFeedMessage(message);
    if ('rejected' in decoded) return options.onRejected?.(decoded.rejected, String(message).slice(0, 200));
    for (const push of local.get(decoded.topic) ?? []) push(decoded.item);
  };

  // Readers start at the stream's end and then follow it by entry id, so a reconnect resumes where it stopped.
  let lastId = ((await publisher.xrevrange(stream, '+', '-', 'COUNT', 1)) as StreamEntry[])[0]?.[0] ?? '0-0';
  let reading = true;
  const readLoop = (async () => {
    while (reading) {
      try {
        const reply = await reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', stream, lastId);
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            deliver(messageOf(fields));
          }
        }
      } catch {
        if (reading) await sleep(250);
      }
    }
  })();

  const recent: Array<{ readonly message: string; readonly position: bigint; readonly at: number }> = [];
  let pending: string[] = [];
  let leader = false;
  let catchingUp = false;
  let flushing: Promise<void> | undefined;

  const flush = (): void => {
    if (flushing || !leader || catchingUp || pending.length === 0) return;
    flushing = (async () => {
      while (leader && !catchingUp && pending.length > 0) {
        const batch = pending.splice(0, 500);
        const published = await publisher
          .eval(PUBLISH_IF_LEADER, 2, leaderKey, stream, nodeId, maxLength, ...batch)
          .catch(() => 0);
        // Not sent: the batch stays in `recent`, and whoever leads next sends it.
        if (published !== 1) leader = false;
      }
    })().finally(() => {
      flushing = undefined;
      flush();
    });
  };

  /** A new leader first sends what it remembers and the stream's tail does not hold. */
  const takeOver = async (): Promise<void> => {
    catchingUp = true;
    try {
      const remembered = recent.slice();
      const tail = (await publisher.xrevrange(stream, '+', '-', 'COUNT', 5000)) as StreamEntry[];
      const sent = new Set<string>();
      let oldest: bigint | undefined;
      for (const [, fields] of tail) {
        const message = messageOf(fields);
        const decoded = message === undefined ? undefined : decodeFeedMessage(message);
        if (message === undefined || decoded === undefined || 'rejected' in decoded) continue;
        sent.add(message);
        if (oldest === undefined || decoded.item.position < oldest) oldest = decoded.item.position;
      }
      const missing = remembered.filter((r) => !sent.has(r.message) && (oldest === undefined || r.position >= oldest));
      const queued = new Set(pending);
      pending = [...missing.map((r) => r.message).filter((m) => !queued.has(m)), ...pending];
    } finally {
      catchingUp = false;
    }
    flush();
  };

  const renew = async (): Promise<void> => {
    const wasLeader = leader;
    const taken = await publisher.set(leaderKey, nodeId, 'PX', leaseMs, 'NX');
    leader = taken === 'OK' || (await publisher.eval(EXTEND_IF_LEADER, 1, leaderKey, nodeId, String(leaseMs))) === 1;
    if (leader && !wasLeader) await takeOver();
  };
  await renew().catch(() => (leader = false));
  const timer = setInterval(() => void renew().catch(() => (leader = false)), Math.floor(leaseMs / 3));

  const untap = feed.tap((topic, item) => {
    const message = encodeFeedMessage(topic, item);
    const at = Date.now();
    recent.push({ message, position: item.position, at });
    while (recent.length > 0 && (recent[0]!.at < at - replayWindowMs || recent.length > 50_000)) recent.shift();
    if (!leader) return;
    pending.push(message);
    flush();
  });

  let closing: Promise<void> | undefined;
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
    close: () =>
      (closing ??= (async () => {
        clearInterval(timer);
        untap();
        await flushing;
        if (leader) await publisher.eval(RELEASE_IF_LEADER, 1, leaderKey, nodeId).catch(() => undefined);
        reading = false;
        reader.disconnect();
        await readLoop;
        publisher.disconnect();
      })()),
  };
};
