import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { redisFeedBus, type FeedBus } from '../../src/graphql/index.ts';
import { createRoomFeed, type FeedItem, type RecordedEvent } from '../../src/projections/index.ts';
import { testNamespace } from '../support/redisNamespace.ts';

/**
 * The feed bus against the real Redis: every namespace is this test's own
 * (random) and its keys are deleted after.
 */
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const admin = new Redis(redisUrl);
const namespaces: Array<ReturnType<typeof testNamespace>> = [];
const buses: FeedBus[] = [];

const newNamespace = (): string => {
  const namespace = testNamespace('feedbus');
  namespaces.push(namespace);
  return namespace.namespace;
};

const roomOpened = (roomId: string, position: bigint): RecordedEvent => ({
  eventId: randomUUID(),
  streamId: `room-${roomId}`,
  type: 'RoomOpened',
  data: { roomId, title: roomId, capacity: 10, parentRoomId: null },
  metadata: {},
  revision: 0n,
  position,
  recordedAt: new Date(),
});

const node = async (namespace: string, options: { rejected?: string[]; leaseMs?: number } = {}) => {
  const feed = createRoomFeed({ readDetail: () => undefined });
  const bus = await redisFeedBus(redisUrl, feed, {
    namespace,
    leaseMs: options.leaseMs ?? 600,
    onRejected: (reason) => options.rejected?.push(reason),
  });
  buses.push(bus);
  const received: FeedItem[] = [];
  bus.subscribe('*directory').deliverTo(
    (item) => received.push(item),
    () => undefined,
  );
  return { feed, bus, received };
};

const waitFor = async (check: () => boolean, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
};

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

afterAll(async () => {
  for (const namespace of namespaces) await namespace.wipe();
  admin.disconnect();
});

describe('the feed bus on Redis', () => {
  it('drops and reports whatever on Redis is not a feed item, and keeps delivering', async () => {
    const namespace = newNamespace();
    const rejected: string[] = [];
    const { feed, received } = await node(namespace, { rejected });
    const stream = `spillway:${namespace}:feed`;
    // What broke every node before: garbage published on the old fixed channel and on the stream's name.
    await admin.publish('spillway:feed', 'not json');
    await admin.publish('spillway:feed', '{"topic":"x","item":{}}');
    await admin.publish(stream, 'not json');
    for (const message of [
      'not json',
      '{"topic":"x","item":{}}',
      '{"topic":"*directory","item":{"kind":"RoomOpened","roomId":"r","position":"1e3"}}',
      '{"topic":"*directory","item":{"kind":"ListenerCountChanged","roomId":"r","position":"3","listenerCount":-1,"familyListenerCount":0}}',
      '{"topic":"*directory","item":{"kind":"Exploded","roomId":"r","position":"3"}}',
      'null',
    ])
      await admin.xadd(stream, '*', 'm', message);
    await admin.xadd(stream, '*', 'other-field', 'x');
    await waitFor(() => rejected.length === 7);
    expect(rejected).toEqual([
      'not-json',
      'unknown-kind',
      'bad-field',
      'bad-field',
      'unknown-kind',
      'not-an-item',
      'not-an-item',
    ]);
    expect(received).toEqual([]);

    feed.onBatch([roomOpened('after-garbage', 7n)]);
    await waitFor(() => received.length === 1);
    expect(received[0]).toEqual({ kind: 'RoomOpened', roomId: 'after-garbage', position: 7n });
  });

  it('keeps two deployments on one Redis apart', async () => {
    const one = await node(newNamespace());
    const two = await node(newNamespace());
    one.feed.onBatch([roomOpened('of-one', 1n)]);
    two.feed.onBatch([roomOpened('of-two', 1n)]);
    await waitFor(() => one.received.length === 1 && two.received.length === 1);
    await sleep(300);
    expect(one.received.map((i) => i.roomId)).toEqual(['of-one']);
    expect(two.received.map((i) => i.roomId)).toEqual(['of-two']);
  });

  it('a node that takes over the lease sends what the leader had not, once', async () => {
    const namespace = newNamespace();
    const a = await node(namespace);
    const b = await node(namespace);
    a.feed.onBatch([roomOpened('r1', 1n)]);
    b.feed.onBatch([roomOpened('r1', 1n)]);
    await waitFor(() => b.received.length === 1);
    // As on kill -9: the lease is held by a node that no longer renews or publishes, until it expires.
    await admin.set(`spillway:${namespace}:feed-leader`, 'a-node-that-died', 'PX', 1500);
    await sleep(400);
    await a.bus.close();
    b.feed.onBatch([roomOpened('r2', 2n), roomOpened('r3', 3n)]);
    await waitFor(() => b.received.length === 3, 8000);
    b.feed.onBatch([roomOpened('r4', 4n)]);
    await waitFor(() => b.received.length === 4);
    await sleep(300);
    expect(b.received.map((i) => i.roomId)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(a.received.map((i) => i.roomId)).toEqual(['r1']);
  });
});
