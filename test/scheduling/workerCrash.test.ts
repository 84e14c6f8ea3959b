// A worker process dies (SIGKILL) in the middle of the open job, after it
// opened the room and before it announced the headliner. Its lock runs out,
// another worker's stalled-job check puts the job back, and the retry does
// only what was left: the log holds each fact exactly once.
import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterEach, beforeAll, afterAll, expect, it } from 'vitest';
import { createBullmqScheduler, type SessionScheduler } from '../../src/scheduling/index.ts';
import { spawnTs, watchLines } from '../support/childProcess.ts';
import {
  eventually,
  openBench,
  REDIS_URL,
  releaseRedis,
  requireRedis,
  sessionInput,
  types,
  WARM_FAMILY,
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

let bench: Bench | undefined;
let child: ChildProcess | undefined;
let survivor: SessionScheduler | undefined;
const names = uniqueQueue('crash');

afterEach(async () => {
  child?.kill('SIGKILL');
  await survivor?.close();
  await wipePrefix(redis, names.prefix);
  await bench?.close();
});

it('retries the job of a worker killed mid-job on another worker, and it completes exactly once', async () => {
  bench = openBench('crash');
  // This process only enqueues until the first worker is dead.
  const enqueuer = await createBullmqScheduler({ redisUrl: REDIS_URL, ...names });
  const input = sessionInput('crash', 'crash-room', 1500, 500);
  await bench.service(enqueuer).scheduleSession(input.data, input.metadata);
  await enqueuer.close();

  child = spawnTs('test/scheduling/fixtures/sessionWorker.ts', [bench.file, REDIS_URL, names.queueName, names.prefix], {
    SLOW_OPEN_MS: '60000',
  });
  let roomOpened!: () => void;
  const midJob = new Promise<void>((resolve) => (roomOpened = resolve));
  const exited = watchLines(child, (line) => {
    if (line === 'room-opened') roomOpened();
  });
  await Promise.race([
    midJob,
    exited.then(({ code, stderr }) => {
      throw new Error(`The worker exited (${code}) before the open job ran: ${stderr}`);
    }),
  ]);
  child.kill('SIGKILL');
  expect((await exited).signal).toBe('SIGKILL');
  expect(types(await bench.roomEvents('crash-room'))).toEqual([...WARM_FAMILY, 'RoomDoorsOpened']);
  expect(types(await bench.sessionEvents('crash'))).toEqual(['SessionScheduled', 'SessionPrewarmed']);

  const killedAt = Date.now();
  survivor = await createBullmqScheduler({
    handlers: bench.handlers,
    redisUrl: REDIS_URL,
    ...names,
    lockDuration: 1000,
    stalledInterval: 500,
  });
  await eventually(
    'the retried open job to finish',
    async () => (await bench!.sessionEvents('crash')).find((e) => e.type === 'SessionOpened'),
    20_000,
  );
  console.log(`open job recovered ${Date.now() - killedAt} ms after the worker was killed`);

  expect(types(await bench.sessionEvents('crash'))).toEqual(['SessionScheduled', 'SessionPrewarmed', 'SessionOpened']);
  expect(types(await bench.roomEvents('crash-room'))).toEqual([
    ...WARM_FAMILY,
    'RoomDoorsOpened',
    'HeadlinerAnnounced',
  ]);
  expect(await survivor.failedJobs()).toEqual([]);
});
