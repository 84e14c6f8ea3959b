import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** Deletes every key matching `pattern`; resolves with how many went. */
export const deleteKeys = async (redis: Redis, pattern: string): Promise<number> => {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) removed += await redis.del(...keys);
  } while (cursor !== '0');
  return removed;
};

/**
 * What a server started by a test puts in the shared Redis is its own:
 * `env` gives it a queue no other test uses (serve finds the Redis at
 * 127.0.0.1:6379 even without REDIS_URL), and `remove()` deletes that
 * queue's keys once the server has stopped. Without a Redis there is
 * nothing to remove.
 */
export const serverNamespace = (label: string) => {
  const queue = `test-${label}-${randomUUID()}`;
  return {
    queue,
    env: { SPILLWAY_QUEUE: queue } as const,
    async remove(): Promise<number> {
      const redis = new Redis(REDIS_URL, {
        lazyConnect: true,
        connectTimeout: 1000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      redis.on('error', () => undefined);
      try {
        await redis.connect();
      } catch {
        return 0;
      }
      try {
        // BullMQ's keys are `{prefix}:{queue}:…`, with serve's prefix "spillway".
        return await deleteKeys(redis, `spillway:${queue}:*`);
      } finally {
        redis.disconnect();
      }
    },
  };
};
