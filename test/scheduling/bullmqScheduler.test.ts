import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBullmqScheduler, type SessionScheduler } from '../../src/scheduling/index.ts';
import { schedulerContract } from './scheduler.contract.ts';
import {
  eventually,
  openBench,
  REDIS_URL,
  releaseRedis,
  requireRedis,
  sessionInput,
  types,
  uniqueQueue,
  wipePrefix,
  type Bench,
} from './support.ts';

let redis: Redis;
beforeAll(async () => {
  redis = await requireRedis();
});
afterAll(async () => {
  await releaseRedis(redis);
});

schedulerContract('BullMQ on Redis', async () => {
  const queue = uniqueQueue('contract');
  return {
    create: (handlers, options) =>
      createBullmqScheduler({ handlers, redisUrl: REDIS_URL, ...queue, ...options, onError: () => undefined }),
    // A FLUSHALL of this test's keys only: the Redis is shared with other suites running now.
    loseEverything: async () => {
      expect(await wipePrefix(redis, queue.prefix)).toBeGreaterThan(0);
    },
    dispose: async () => {
      await wipePrefix(redis, queue.prefix);
    },
  };
});

describe('BullMQ scheduler: jobs in Redis', () => {
  let bench: Bench;
  let scheduler: SessionScheduler;
  let queue: Queue;
  let names: ReturnType<typeof uniqueQueue>;

  beforeEach(async () => {
    bench = openBench('bullmq');
    names = uniqueQueue('jobs');
    scheduler = await createBullmqScheduler({
      handlers: bench.handlers,
      redisUrl: REDIS_URL,
      ...names,
      backoffMs: 100,
    });
    queue = new Queue(names.queueName, { connection: { url: REDIS_URL }, prefix: names.prefix });
  });

  afterEach(async () => {
    await queue.close();
    await scheduler.close();
    await wipePrefix(redis, names.prefix);
    await bench.close();
  });

  it('keeps one delayed job per fixed id, however often a session is scheduled, and none once cancelled', async () => {
    const input = sessionInput('fixed', 'fixed-room', 60_000, 10_000);
    const service = bench.service(scheduler);
    await service.scheduleSession(input.data, input.metadata);
    const times = { sessionId: 'fixed', startsAt: input.data.startsAt, leadTimeMs: 10_000 };
    await scheduler.schedule(times);
    await scheduler.resync([times]);

    const delayed = await queue.getDelayed();
    expect(delayed.map((job) => job.id).sort()).toEqual(['session-fixed-open', 'session-fixed-prewarm']);
    const open = await queue.getJob('session-fixed-open');
    expect(open?.opts.attempts).toBe(5);
    expect(open!.timestamp + open!.delay).toBeGreaterThanOrEqual(Date.parse(input.data.startsAt) - 5);

    await service.cancelSession({ sessionId: 'fixed' }, { actor: 'producer', at: new Date().toISOString() });
    expect(await queue.getJobCounts('delayed', 'waiting', 'active')).toEqual({ delayed: 0, waiting: 0, active: 0 });
  });

  it('changes nothing when the open job is delivered again after it ran', async () => {
    const input = sessionInput('again', 'again-room', 600, 300);
    await bench.service(scheduler).scheduleSession(input.data, input.metadata);
    await eventually('the session to open', async () =>
      (await bench.sessionEvents('again')).find((e) => e.type === 'SessionOpened'),
    );
    const room = await bench.roomEvents('again-room');

    // A second delivery through the queue, as a lost acknowledgement or a second scheduler node would cause.
    const duplicate = await queue.add(
      'open',
      { sessionId: 'again', kind: 'open' },
      { jobId: 'session-again-open-duplicate' },
    );
    await eventually('the duplicate to complete', async () => ((await duplicate.isCompleted()) ? true : undefined));
    const outcome = (await queue.getJob('session-again-open-duplicate'))?.returnvalue as unknown;
    expect(outcome).toMatchObject({ outcome: 'skipped' });
    expect(types(await bench.sessionEvents('again'))).toEqual([
      'SessionScheduled',
      'SessionPrewarmed',
      'SessionOpened',
    ]);
    expect(await bench.roomEvents('again-room')).toEqual(room);
  });

  it('re-delays a job that fires before its session is due instead of failing it', async () => {
    const input = sessionInput('early', 'early-room', 1500, 0);
    await bench.service(scheduler).scheduleSession(input.data, input.metadata);
    // A stale job from before a reschedule: due now, but the session opens later.
    await queue.add('open', { sessionId: 'early', kind: 'open' }, { jobId: 'session-early-open-stale' });
    await eventually('the stale job to be put back', async () =>
      (await queue.getJob('session-early-open-stale'))?.delay ? true : undefined,
    );
    expect(await bench.roomEvents('early-room')).toEqual([]);
    const opened = await eventually('the session to open', async () =>
      (await bench.sessionEvents('early')).find((e) => e.type === 'SessionOpened'),
    );
    expect(Date.parse(String(opened.metadata.occurredAt))).toBeGreaterThanOrEqual(Date.parse(input.data.startsAt));
    // Prewarm and open are both due at startsAt here: whichever runs first, the family ends shaped and open.
    // The session records its prewarm once the family is shaped; open may have been recorded before it.
    await eventually('the session to be prewarmed too', async () =>
      (await bench.sessionEvents('early')).some((e) => e.type === 'SessionPrewarmed') ? true : undefined,
    );
    const room = types(await bench.roomEvents('early-room'));
    expect(room[0]).toBe('RoomOpened');
    expect(room.filter((type) => type === 'OverflowRoomSpawned')).toHaveLength(2);
    expect(room).toContain('HeadlinerAnnounced');
    expect((await bench.rooms.load('early-room')).state.snapshot.context.doorsOpen).toBe(true);
    expect(await scheduler.failedJobs()).toEqual([]);
  });
});
