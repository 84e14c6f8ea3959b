import { sessionDueAt, type SessionStatus, type SessionStep } from '../domain/index.ts';

/** The two timed steps of a session: warm capacity at `startsAt − leadTimeMs`, open the room at `startsAt`. */
export type SessionJobKind = SessionStep;

export const SESSION_JOB_KINDS: readonly SessionJobKind[] = ['prewarm', 'open'];

/** What the scheduler needs of a session: when, and how far along it is (the schedule read model's document fits). */
export interface SessionTimes {
  readonly sessionId: string;
  readonly startsAt: string;
  readonly leadTimeMs: number;
  /** Absent means `scheduled`. */
  readonly status?: Exclude<SessionStatus, 'idle'>;
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
}

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
  switch (status) {
    case 'scheduled':
      return SESSION_JOB_KINDS.map((kind) => ({ kind, dueAt: sessionDueAt(session, kind) }));
    case 'prewarmed':
      return [{ kind: 'open', dueAt: sessionDueAt(session, 'open') }];
    case 'opened':
    case 'cancelled':
      return [];
    default: {
      const unknown: never = status;
      throw new TypeError(`Unknown session status ${JSON.stringify(unknown)}.`);
    }
  }
};
