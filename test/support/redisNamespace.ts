import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * A deployment namespace of a test's own on the shared Redis
 * (SPILLWAY_NAMESPACE), and `wipe()` to delete every key under it after.
 */
export const testNamespace = (label: string, redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379') => {
  const namespace = `test-${label}-${randomUUID()}`;
  return {
    namespace,
    wipe: async (): Promise<void> => {
      const redis = new Redis(redisUrl);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `spillway:${namespace}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
};
