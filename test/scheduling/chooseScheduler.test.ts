import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pingRedis } from '../../src/scheduling/chooseScheduler.ts';
import { chooseScheduler, RedisUnreachableError, type SessionJobHandlers } from '../../src/scheduling/index.ts';
import { REDIS_URL, releaseRedis, requireRedis, uniqueQueue, wipePrefix } from './support.ts';

/** Nothing listens on port 1. */
const NOWHERE = 'redis://127.0.0.1:1';
const handlers: SessionJobHandlers = {
  prewarm: async () => ({ outcome: 'skipped', reason: 'test' }),
  open: async () => ({ outcome: 'skipped', reason: 'test' }),
  drain: async () => ({ outcome: 'skipped', reason: 'test' }),
};

let redis: Redis;
beforeAll(async () => {
  redis = await requireRedis();
});
afterAll(async () => {
  await releaseRedis(redis);
});

describe('chooseScheduler', () => {
  it('takes BullMQ at REDIS_URL when it is set and answers', async () => {
    const names = uniqueQueue('choose');
    const { scheduler, reason } = await chooseScheduler({ handlers, redisUrl: REDIS_URL, bullmq: names });
    try {
      expect(scheduler.kind).toBe('bullmq');
      expect(reason).toMatch(/REDIS_URL/);
    } finally {
      await scheduler.close();
      await wipePrefix(redis, names.prefix);
    }
  });

  it('takes BullMQ on a Redis answering at the default address when REDIS_URL is not set', async () => {
    const names = uniqueQueue('choose');
    const { scheduler, reason } = await chooseScheduler({
      handlers,
      redisUrl: undefined,
      probeUrl: REDIS_URL,
      bullmq: names,
    });
    try {
      expect(scheduler.kind).toBe('bullmq');
      expect(reason).toMatch(/REDIS_URL is not set, but a Redis answered/);
    } finally {
      await scheduler.close();
      await wipePrefix(redis, names.prefix);
    }
  });

  it('falls back to in-process timers when REDIS_URL is not set and no Redis answers, saying why', async () => {
    const started = Date.now();
    const { scheduler, reason } = await chooseScheduler({
      handlers,
      redisUrl: '',
      probeUrl: NOWHERE,
      pingTimeoutMs: 300,
    });
    await scheduler.close();
    expect(scheduler.kind).toBe('in-process');
    expect(reason).toMatch(/embedded mode.*no Redis answered at redis:\/\/127.0.0.1:1/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses to start when REDIS_URL is set but Redis does not answer, rather than run timers apart', async () => {
    await expect(chooseScheduler({ handlers, redisUrl: NOWHERE, pingTimeoutMs: 300 })).rejects.toBeInstanceOf(
      RedisUnreachableError,
    );
  });

  it('pings within its timeout and never throws', async () => {
    expect(await pingRedis(REDIS_URL)).toBe(true);
    expect(await pingRedis(NOWHERE, 300)).toBe(false);
    expect(await pingRedis('not a url', 300)).toBe(false);
  });
});
