import { sessionDueAt, type SessionStatus, type SessionStep } from '../domain/index.ts';

/**
 * The timed steps of a session: warm the family at `startsAt − leadTimeMs`,
 * open the doors at `startsAt`, end the warm-up at `startsAt + drainAfterMs`.
 */
export type SessionJobKind = SessionStep;

export const SESSION_JOB_KINDS: readonly SessionJobKind[] = ['prewarm', 'open', 'drain'];

/** What the scheduler needs of a session: when, and how far along it is (the schedule read model's document fits). */
export interface SessionTimes {
  readonly sessionId: string;
  readonly startsAt: string;
  readonly leadTimeMs: number;
  /** Absent means `scheduled`. */
  readonly status?: Exclude<SessionStatus, 'idle'>;
  /** Absent or null: the session has no drain step (scheduled before warm rooms drained). */
  readonly drainAfterMs?: number | null;
  /** Whether the drain step is done. */
  readonly warmUpEnded?: boolean;
}

/** What a job handler made of one delivery. */
export type JobOutcome =
  | { readonly outcome: 'done'; readonly detail: string }
  | { readonly outcome: 'skipped'; readonly reason: string }
  /** Delivered early (a job left over from before a reschedule): run it again at `dueAt` (epoch ms). */
  | { readonly outcome: 'notDue'; readonly dueAt: number };

/** What a job does when it fires: both are idempotent, so a job delivered twice changes nothing. */
export interface SessionJobHandlers {
  prewarm(sessionId: string): Promise<JobOutcome>;
  open(sessionId: string): Promise<JobOutcome>;
  drain(sessionId: string): Promise<JobOutcome>;
}

/** Runs the handler of a job's kind. */
export const runSessionJob = (handlers: SessionJobHandlers, kind: SessionJobKind, sessionId: string) => {
  switch (kind) {
    case 'prewarm':
      return handlers.prewarm(sessionId);
    case 'open':
      return handlers.open(sessionId);
    case 'drain':
      return handlers.drain(sessionId);
    default: {
      const unknown: never = kind;
      throw new TypeError(`Unknown session job kind ${JSON.stringify(unknown)}.`);
    }
  }
};

/** A job that used up its attempts. */
export interface FailedJob {
  readonly jobId: string;
  readonly sessionId: string;
  readonly kind: SessionJobKind;
  readonly attempts: number;
  readonly lastError: string;
  /** ISO 8601, when it failed for the last time. */
  readonly failedAt: string | null;
}

/**
 * Durable timers for sessions. Each session has at most one job per kind,
 * under a fixed id (`sessionJobId`), so scheduling is idempotent: scheduling
 * again replaces the jobs, and `resync` at start re-creates whatever the
 * backing store lost.
 */
export interface SessionScheduler {
  readonly kind: 'bullmq' | 'in-process';
  /** Creates or moves the session's pending jobs (prewarm unless already done, then open). */
  schedule(session: SessionTimes): Promise<void>;
  /** Removes the session's jobs; a job running right now finishes and finds the session cancelled. */
  unschedule(sessionId: string): Promise<void>;
  /** Schedules every session still waiting (scheduled or prewarmed); others are left alone. */
  resync(sessions: Iterable<SessionTimes>): Promise<void>;
  failedJobs(): Promise<FailedJob[]>;
  /** Stops firing jobs, waits for running ones; safe to call twice. */
  close(): Promise<void>;
}

/**
 * A job's fixed id. DESIGN.md names them `session:{id}:prewarm`; BullMQ
 * forbids ':' in custom job ids (6.x lets exactly three ':'-parts through
 * only for compatibility with old repeatable-job keys, and its docs say not to
 * rely on it), so the separator is '-': `session-{id}-prewarm`,
 * `session-{id}-open`. Session ids are letters, digits, '-' and '_' (the
 * domain holds them to it), and the job's data carries the session id and
 * kind, so the id is never parsed.
 */
export const sessionJobId = (sessionId: string, kind: SessionJobKind): string => `session-${sessionId}-${kind}`;

/** The jobs a session still needs, with when each is due (epoch ms). */
export const pendingJobsOf = (session: SessionTimes): Array<{ kind: SessionJobKind; dueAt: number }> => {
  const status = session.status ?? 'scheduled';
  const job = (kind: SessionJobKind) => ({ kind, dueAt: sessionDueAt(session, kind) });
  const drain = session.drainAfterMs === undefined || session.drainAfterMs === null ? [] : [job('drain')];
  switch (status) {
    case 'scheduled':
      return [job('prewarm'), job('open'), ...drain];
    case 'prewarmed':
      return [job('open'), ...drain];
    case 'opened':
      return session.warmUpEnded === true ? [] : drain;
    case 'cancelled':
      return [];
    default: {
      const unknown: never = status;
      throw new TypeError(`Unknown session status ${JSON.stringify(unknown)}.`);
    }
  }
};
