import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { SchedulerClosedError } from './errors.ts';
import {
  pendingJobsOf,
  runSessionJob,
  SESSION_JOB_KINDS,
  sessionJobId,
  type FailedJob,
  type JobOutcome,
  type SessionJobHandlers,
  type SessionJobKind,
  type SessionScheduler,
  type SessionTimes,
} from './types.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_QUEUE_NAME = 'spillway-sessions';

export interface BullmqSchedulerOptions {
  /** What the jobs do. Without it this process only enqueues (an API node beside dedicated workers). */
  readonly handlers?: SessionJobHandlers;
  /** Default REDIS_URL's default, redis://127.0.0.1:6379. */
  readonly redisUrl?: string;
  readonly queueName?: string;
  /** BullMQ's key prefix in Redis. Default 'spillway'. */
  readonly prefix?: string;
  /** Deliveries of a job before it counts as failed. Default 5. */
  readonly attempts?: number;
  /** First retry after this long, doubling each time. Default 5,000 ms. */
  readonly backoffMs?: number;
  /** How long a worker's lock on a running job lasts unrenewed (a dead worker's job is retried after it). Default 30,000 ms. */
  readonly lockDuration?: number;
  /** How often workers look for jobs whose worker died. Default 30,000 ms. */
  readonly stalledInterval?: number;
  /** Completed jobs kept for inspection. Default 1,000. */
  readonly keepCompleted?: number;
  /** Told of worker errors (lost connection, a stalled job given up). Default: console.error. */
  readonly onError?: (error: Error) => void;
  /**
   * The sessions still waiting, as the log says (the schedule read model).
   * With it the scheduler heals while running: every `resyncIntervalMs`, and
   * whenever its Redis connection comes back, it re-makes any job Redis lost.
   */
  readonly pending?: () => Iterable<SessionTimes>;
  /** Default 10,000 ms. */
  readonly resyncIntervalMs?: number;
  /**
   * How long `schedule`/`unschedule` wait for Redis. Past it they return (the
   * session is in the log already) and the next resync makes its jobs.
   * Default 1,500 ms.
   */
  readonly answerWithinMs?: number;
}

interface SessionJobData {
  readonly sessionId: string;
  readonly kind: SessionJobKind;
}

const isSessionJobData = (data: unknown): data is SessionJobData =>
  typeof data === 'object' &&
  data !== null &&
  typeof (data as { sessionId?: unknown }).sessionId === 'string' &&
  (SESSION_JOB_KINDS as readonly unknown[]).includes((data as { kind?: unknown }).kind);

/**
 * The scheduler on BullMQ: one queue of delayed jobs with fixed ids, and (with
 * handlers) a worker running them. Retries back off exponentially; a worker
 * that dies mid-job loses its lock, and another worker's stalled-job check
 * puts the job back in line. A job that used up its attempts stays in the
 * failed set, which `failedJobs()` reads.
 */
export const createBullmqScheduler = async (options: BullmqSchedulerOptions = {}): Promise<SessionScheduler> => {
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const prefix = options.prefix ?? 'spillway';
  const connection = { url: options.redisUrl ?? DEFAULT_REDIS_URL, maxRetriesPerRequest: null };
  const attempts = options.attempts ?? 5;
  const backoffMs = options.backoffMs ?? 5000;
  const onError = options.onError ?? ((error: Error) => console.error(error));

  const queue = new Queue<SessionJobData, JobOutcome, SessionJobKind>(queueName, { connection, prefix });
  queue.on('error', onError);
  await queue.waitUntilReady();

  let worker: Worker<SessionJobData, JobOutcome, SessionJobKind> | undefined;
  const handlers = options.handlers;
  if (handlers) {
    worker = new Worker<SessionJobData, JobOutcome, SessionJobKind>(
      queueName,
      async (job: Job<SessionJobData, JobOutcome, SessionJobKind>, token?: string): Promise<JobOutcome> => {
        if (!isSessionJobData(job.data)) throw new TypeError(`Job ${job.id} carries no session id and kind.`);
        const { sessionId, kind } = job.data;
        const outcome = await runSessionJob(handlers, kind, sessionId);
        if (outcome.outcome === 'notDue') {
          // Left over from before a reschedule: wait for the new time rather than count a failure.
          await job.moveToDelayed(outcome.dueAt, token);
          throw new DelayedError();
        }
        return outcome;
      },
      {
        connection,
        prefix,
        // Left out rather than undefined: BullMQ takes an undefined option as a value, not as "its default".
        ...(options.lockDuration === undefined ? {} : { lockDuration: options.lockDuration }),
        ...(options.stalledInterval === undefined ? {} : { stalledInterval: options.stalledInterval }),
      },
    );
    worker.on('error', onError);
    await worker.waitUntilReady();
  }

  let closed: Promise<void> | undefined;
  const requireOpen = (): void => {
    if (closed) throw new SchedulerClosedError();
  };

  const removeJob = async (jobId: string): Promise<void> => {
    // 0 means the job is running now (locked); it re-reads the session when it runs, so it is left alone.
    await queue.remove(jobId);
  };

  const addJob = (session: SessionTimes, kind: SessionJobKind, dueAt: number) =>
    queue.add(
      kind,
      { sessionId: session.sessionId, kind },
      {
        jobId: sessionJobId(session.sessionId, kind),
        delay: Math.max(0, dueAt - Date.now()),
        attempts,
        backoff: { type: 'exponential', delay: backoffMs },
        removeOnComplete: { count: options.keepCompleted ?? 1000 },
        removeOnFail: false,
      },
    );

  const schedule = async (session: SessionTimes): Promise<void> => {
    const pending = pendingJobsOf(session);
    for (const kind of SESSION_JOB_KINDS) {
      if (!pending.some((job) => job.kind === kind)) await removeJob(sessionJobId(session.sessionId, kind));
    }
    for (const { kind, dueAt } of pending) {
      const jobId = sessionJobId(session.sessionId, kind);
      // Remove, then add: a job with the same id is never added twice, so a move needs the old one gone.
      await removeJob(jobId);
      await addJob(session, kind, dueAt);
    }
  };

  /** Makes the jobs Redis lacks, and moves those waiting for another time; leaves running and finished ones. */
  const ensure = async (session: SessionTimes): Promise<void> => {
    for (const { kind, dueAt } of pendingJobsOf(session)) {
      const job = await queue.getJob(sessionJobId(session.sessionId, kind));
      if (!job) await addJob(session, kind, dueAt);
      else if (job.processedOn === undefined && Math.abs(job.timestamp + job.delay - dueAt) > 1000) {
        await removeJob(sessionJobId(session.sessionId, kind));
        await addJob(session, kind, dueAt);
      }
    }
  };

  const answerWithinMs = options.answerWithinMs ?? 1500;
  /** Redis is the jobs' home, not the truth: a call it does not answer in time is left to the next resync. */
  const withinDeadline = async (what: string, work: Promise<void>): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), answerWithinMs)));
    const outcome = await Promise.race([work.then(() => 'done' as const), late]).finally(() => clearTimeout(timer));
    if (outcome === 'late') {
      work.catch(() => undefined);
      onError(
        new Error(`Redis did not answer within ${answerWithinMs} ms to ${what}; the next resync makes the jobs.`),
      );
    }
  };

  let resyncing: Promise<void> | undefined;
  const resyncNow = (): Promise<void> =>
    (resyncing ??= (async () => {
      try {
        for (const session of options.pending?.() ?? []) await ensure(session);
      } catch (error) {
        onError(error instanceof Error ? error : new Error(String(error)));
      } finally {
        resyncing = undefined;
      }
    })());
  const resyncTimer = options.pending
    ? setInterval(() => void resyncNow(), options.resyncIntervalMs ?? 10_000)
    : undefined;
  // Its own connection, watched: when Redis comes back, whatever it lost (or never got) is made again.
  const watch = options.pending ? new Redis(connection.url, { maxRetriesPerRequest: null }) : undefined;
  let disconnected = false;
  watch?.on('error', () => undefined);
  watch?.on('close', () => void (disconnected = true));
  watch?.on('ready', () => {
    if (!disconnected) return;
    disconnected = false;
    void resyncNow();
  });

  return {
    kind: 'bullmq',
    async schedule(session) {
      requireOpen();
      await withinDeadline(`schedule session ${session.sessionId}`, schedule(session));
    },

    async unschedule(sessionId) {
      requireOpen();
      const work = (async () => {
        for (const kind of SESSION_JOB_KINDS) await removeJob(sessionJobId(sessionId, kind));
      })();
      await withinDeadline(`unschedule session ${sessionId}`, work);
    },

    async resync(sessions) {
      for (const session of sessions) await ensure(session);
    },

    async failedJobs() {
      requireOpen();
      const failed = await queue.getFailed(0, 999);
      return failed.flatMap((job): FailedJob[] =>
        job.id !== undefined && isSessionJobData(job.data)
          ? [
              {
                jobId: job.id,
                sessionId: job.data.sessionId,
                kind: job.data.kind,
                attempts: job.attemptsMade,
                lastError: job.failedReason,
                failedAt: job.finishedOn === undefined ? null : new Date(job.finishedOn).toISOString(),
              },
            ]
          : [],
      );
    },

    close() {
      closed ??= (async () => {
        clearInterval(resyncTimer);
        watch?.disconnect();
        await worker?.close();
        await queue.close();
      })();
      return closed;
    },
  };
};
