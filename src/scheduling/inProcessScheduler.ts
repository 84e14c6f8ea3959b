import { SchedulerClosedError } from './errors.ts';
import {
  pendingJobsOf,
  runSessionJob,
  SESSION_JOB_KINDS,
  sessionJobId,
  type FailedJob,
  type SessionJobHandlers,
  type SessionJobKind,
  type SessionScheduler,
} from './types.ts';

export interface InProcessSchedulerOptions {
  readonly handlers: SessionJobHandlers;
  /** Runs of a job before it counts as failed. Default 5. */
  readonly attempts?: number;
  /** First retry after this long, doubling each time. Default 5,000 ms. */
  readonly backoffMs?: number;
  /** Told when a job fails for good. Default: console.error. */
  readonly onError?: (error: unknown) => void;
}

interface Entry {
  readonly jobId: string;
  readonly sessionId: string;
  readonly kind: SessionJobKind;
  dueAt: number;
  attemptsMade: number;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
  failure: { error: string; at: string } | undefined;
}

/** setTimeout's longest delay (about 24.8 days); a later job waits in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The scheduler of embedded mode: timers in this process, with the same
 * contract as the BullMQ one (fixed job ids, retries with exponential
 * backoff, failed jobs kept for `failedJobs()`). Nothing survives the
 * process: at start, `resync` from the schedule read model re-creates every
 * pending job, which is why the log, not the timers, is the truth.
 */
export const createInProcessScheduler = (options: InProcessSchedulerOptions): SessionScheduler => {
  const { handlers } = options;
  const attempts = options.attempts ?? 5;
  const backoffMs = options.backoffMs ?? 5000;
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const entries = new Map<string, Entry>();
  let closed: Promise<void> | undefined;

  const arm = (entry: Entry, at: number): void => {
    clearTimeout(entry.timer);
    entry.dueAt = at;
    const delay = Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS);
    // Unref'd: pending sessions alone never keep a process (a CLI, a test) alive.
    entry.timer = setTimeout(() => fire(entry), delay).unref();
  };

  const fire = (entry: Entry): void => {
    entry.timer = undefined;
    if (closed || entries.get(entry.jobId) !== entry) return;
    if (Date.now() < entry.dueAt) return arm(entry, entry.dueAt);
    entry.running = run(entry).finally(() => (entry.running = undefined));
  };

  const run = async (entry: Entry): Promise<void> => {
    try {
      const outcome = await runSessionJob(handlers, entry.kind, entry.sessionId);
      if (outcome.outcome === 'notDue') return arm(entry, outcome.dueAt);
      if (entries.get(entry.jobId) === entry) entries.delete(entry.jobId);
    } catch (error) {
      entry.attemptsMade += 1;
      if (closed || entries.get(entry.jobId) !== entry) return;
      if (entry.attemptsMade < attempts) return arm(entry, Date.now() + backoffMs * 2 ** (entry.attemptsMade - 1));
      entry.failure = { error: error instanceof Error ? error.message : String(error), at: new Date().toISOString() };
      onError(error);
    }
  };

  const remove = (jobId: string): void => {
    const entry = entries.get(jobId);
    // A running job finishes on its own (it re-reads the session); the rest are dropped.
    if (!entry || entry.running) return;
    clearTimeout(entry.timer);
    entries.delete(jobId);
  };

  const requireOpen = (): void => {
    if (closed) throw new SchedulerClosedError();
  };

  const scheduler: SessionScheduler = {
    kind: 'in-process',

    async schedule(session) {
      requireOpen();
      const pending = pendingJobsOf(session);
      for (const kind of SESSION_JOB_KINDS) {
        if (!pending.some((job) => job.kind === kind)) remove(sessionJobId(session.sessionId, kind));
      }
      for (const { kind, dueAt } of pending) {
        const jobId = sessionJobId(session.sessionId, kind);
        remove(jobId);
        if (entries.has(jobId)) continue;
        const entry: Entry = {
          jobId,
          sessionId: session.sessionId,
          kind,
          dueAt,
          attemptsMade: 0,
          timer: undefined,
          running: undefined,
          failure: undefined,
        };
        entries.set(jobId, entry);
        arm(entry, dueAt);
      }
    },

    async unschedule(sessionId) {
      requireOpen();
      for (const kind of SESSION_JOB_KINDS) remove(sessionJobId(sessionId, kind));
    },

    async resync(sessions) {
      for (const session of sessions) await scheduler.schedule(session);
    },

    async failedJobs() {
      return [...entries.values()].flatMap((entry): FailedJob[] =>
        entry.failure
          ? [
              {
                jobId: entry.jobId,
                sessionId: entry.sessionId,
                kind: entry.kind,
                attempts: entry.attemptsMade,
                lastError: entry.failure.error,
                failedAt: entry.failure.at,
              },
            ]
          : [],
      );
    },

    close() {
      closed ??= (async () => {
        for (const entry of entries.values()) clearTimeout(entry.timer);
        await Promise.all([...entries.values()].flatMap((entry) => (entry.running ? [entry.running] : [])));
      })();
      return closed;
    },
  };
  return scheduler;
};
