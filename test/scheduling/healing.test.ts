import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBullmqScheduler, type SessionScheduler } from '../../src/scheduling/index.ts';
import { startOwnRedis } from '../support/ownRedis.ts';
import { createDocumentRunner } from './scheduleRunner.ts';
import { eventually, openBench, sessionInput, types, type Bench } from './support.ts';

/**
 * Scheduling heals while it runs, against a Redis this test starts on a
 * port of its own, flushes, stops and starts again (never the shared one).
 */
describe('BullMQ scheduler healing while running', () => {
  let redis: Awaited<ReturnType<typeof startOwnRedis>>;
  let bench: Bench;
  let schedule: ReturnType<typeof createDocumentRunner>;
  let scheduler: SessionScheduler | undefined;
  const names = { queueName: 'sessions', prefix: 'spillway-healing' };

  const create = (resyncIntervalMs: number) =>
    createBullmqScheduler({
      handlers: bench.handlers,
      redisUrl: redis.url,
      ...names,
      backoffMs: 100,
      pending: () => schedule.queries.pending(),
      resyncIntervalMs,
      onError: () => undefined,
    });
  const jobIn = async (jobId: string) => {
    const queue = new Queue(names.queueName, { connection: { url: redis.url }, prefix: names.prefix });
    try {
      return (await queue.getJob(jobId)) ?? undefined;
    } finally {
      await queue.close();
    }
  };

  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(() => {
    bench = openBench('healing');
    schedule = createDocumentRunner(bench.store);
  });
  afterEach(async () => {
    await scheduler?.close();
    scheduler = undefined;
    await schedule.stop();
    await bench.close();
  });

  it('re-makes the jobs a FLUSHALL took, without a restart, and runs the prewarm that came due', async () => {
    scheduler = await create(2000);
    // Prewarm due in 4 s, doors in a minute.
    const input = sessionInput('flushed', 'flushed-room', 60_000, 56_000);
    await bench.service(scheduler).scheduleSession(input.data, input.metadata);
    await schedule.caughtUp();
    expect(await jobIn('session-flushed-prewarm')).toBeDefined();

    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
    expect(await jobIn('session-flushed-prewarm')).toBeUndefined();

    await eventually('the prewarm job made again', () => jobIn('session-flushed-prewarm'), 30_000);
    await eventually('the open job made again', () => jobIn('session-flushed-open'), 30_000);
    const warmed = await eventually('the prewarm ran', () => bench.warmed.find((w) => w.roomId === 'flushed-room'));
    expect(warmed.expectedAudience).toBe(12_000);
    expect(types(await bench.sessionEvents('flushed'))).toEqual(['SessionScheduled', 'SessionPrewarmed']);
  });

  it('with Redis down, records the session and answers within 2 s; the jobs are made when Redis returns', async () => {
    // No periodic resync in this test: what heals is noticing the connection come back.
    scheduler = await create(600_000);
    await redis.stop();
    const input = sessionInput('offline', 'offline-room', 120_000, 60_000);
    const started = performance.now();
    const result = await bench.service(scheduler).scheduleSession(input.data, input.metadata);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.state.context.sessionId).toBe('offline');
    expect(types(await bench.sessionEvents('offline'))).toEqual(['SessionScheduled']);
    await schedule.caughtUp();

    await redis.start();
    const open = await eventually(
      'the open job made after Redis returned',
      () => jobIn('session-offline-open'),
      30_000,
    );
    expect(open.timestamp + open.delay).toBeGreaterThanOrEqual(Date.parse(input.data.startsAt) - 1000);
    expect(await jobIn('session-offline-prewarm')).toBeDefined();
  });
});
