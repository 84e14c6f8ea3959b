import { isSessionEvent, sessionDueAt, type SessionEvent, type SessionStatus } from '../../domain/index.ts';
import type { ProjectionRunner } from '../runner.ts';
import { occurredAt, type DocumentProjection } from '../types.ts';

/** A session as the schedule shows it, and as the scheduler re-creates its jobs from. */
export interface ScheduledSession {
  readonly sessionId: string;
  readonly roomId: string;
  readonly title: string;
  readonly status: Exclude<SessionStatus, 'idle'>;
  /** ISO 8601 UTC (the domain stores it canonical, so these sort as strings). */
  readonly startsAt: string;
  readonly leadTimeMs: number;
  /** When capacity is warmed: `startsAt − leadTimeMs`, ISO 8601 UTC. */
  readonly prewarmAt: string;
  readonly headlinerUserId: string;
  readonly expectedAudience: number;
  readonly capacity: number;
  readonly scheduledBy: string;
  readonly overflowRoomsWarmed: number | null;
  /** How long after the doors open the warm-up ends; null: no such step. */
  readonly drainAfterMs: number | null;
  /** Whether the warm-up was ended (the last step). */
  readonly warmUpEnded: boolean;
  readonly cancelReason: string | null;
  readonly updatedAt: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The schedule: one document per session, keyed by session id. Pure and keyed
 * by the session, so the runner applying an event twice (a crash before the
 * checkpoint) writes the same document.
 */
export const scheduleProjection: DocumentProjection<ScheduledSession> = {
  name: 'schedule',
  // 2: the drain step.
  version: 2,
  perStream: true,
  handles: new Set<SessionEvent['type']>([
    'SessionScheduled',
    'SessionRescheduled',
    'SessionCancelled',
    'SessionPrewarmed',
    'SessionOpened',
    'SessionWarmUpEnded',
  ]),
  evolve(recorded, read): Array<readonly [string, ScheduledSession]> {
    const event = { type: recorded.type, data: recorded.data };
    if (!isSessionEvent(event)) return [];
    const { sessionId } = event.data;
    const updatedAt = iso(occurredAt(recorded));
    if (event.type === 'SessionScheduled') {
      const { by, drainAfterMs, ...data } = event.data;
      return [
        [
          sessionId,
          {
            ...data,
            drainAfterMs: drainAfterMs ?? null,
            warmUpEnded: false,
            status: 'scheduled',
            prewarmAt: iso(sessionDueAt(data, 'prewarm')),
            scheduledBy: by,
            overflowRoomsWarmed: null,
            cancelReason: null,
            updatedAt,
          },
        ],
      ];
    }
    const session = read(sessionId);
    if (!session) return [];
    switch (event.type) {
      case 'SessionRescheduled': {
        const { startsAt, leadTimeMs } = event.data;
        return [
          [
            sessionId,
            {
              ...session,
              status: 'scheduled',
              startsAt,
              leadTimeMs,
              prewarmAt: iso(sessionDueAt({ startsAt, leadTimeMs }, 'prewarm')),
              overflowRoomsWarmed: null,
              updatedAt,
            },
          ],
        ];
      }
      case 'SessionCancelled':
        return [[sessionId, { ...session, status: 'cancelled', cancelReason: event.data.reason, updatedAt }]];
      case 'SessionPrewarmed':
        return [
          [
            sessionId,
            { ...session, status: 'prewarmed', overflowRoomsWarmed: event.data.overflowRoomsWarmed, updatedAt },
          ],
        ];
      case 'SessionOpened':
        return [[sessionId, { ...session, status: 'opened', updatedAt }]];
      case 'SessionWarmUpEnded':
        return [[sessionId, { ...session, warmUpEnded: true, updatedAt }]];
      default: {
        const unknown: never = event;
        throw new TypeError(`schedule: unknown event ${JSON.stringify(unknown)}`);
      }
    }
  },
};

/** Waiting to open, or opened with its warm-up still to end: the scheduler still has jobs for it. */
export const isPendingSession = (session: ScheduledSession): boolean =>
  session.status === 'scheduled' ||
  session.status === 'prewarmed' ||
  (session.status === 'opened' && session.drainAfterMs !== null && !session.warmUpEnded);

export interface SessionsQuery {
  /** Only sessions still waiting to open whose start is after `now`. */
  readonly upcoming?: boolean;
  /** Default: the current time. */
  readonly now?: Date;
  /** Default 100. */
  readonly first?: number;
}

/**
 * Queries on the schedule, over a runner that keeps `scheduleProjection`
 * (the runner of the read models, once it lists it among its projections).
 */
export const querySchedule = (reader: Pick<ProjectionRunner, 'read' | 'list'>) => {
  const all = (): ScheduledSession[] => {
    const found: ScheduledSession[] = [];
    let after = '';
    for (;;) {
      const page = reader.list<ScheduledSession>('schedule', after, '\uffff', 1000);
      if (page.length === 0) return found;
      for (const { doc } of page) found.push(doc);
      after = page.at(-1)?.key ?? '\uffff';
    }
  };
  const byStart = (a: ScheduledSession, b: ScheduledSession): number =>
    a.startsAt < b.startsAt ? -1 : a.startsAt > b.startsAt ? 1 : a.sessionId < b.sessionId ? -1 : 1;

  return {
    session: (sessionId: string): ScheduledSession | undefined => reader.read<ScheduledSession>('schedule', sessionId),

    /** Sessions by start time: all of them, or only the upcoming ones. */
    sessions(query: SessionsQuery = {}): ScheduledSession[] {
      const now = (query.now ?? new Date()).toISOString();
      return all()
        .filter((s) => !query.upcoming || (isPendingSession(s) && s.startsAt > now))
        .sort(byStart)
        .slice(0, query.first ?? 100);
    },

    /** Every session the scheduler should have jobs for, past due or not: what `resync` takes at start. */
    pending: (): ScheduledSession[] => all().filter(isPendingSession).sort(byStart),
  };
};

export type ScheduleQueries = ReturnType<typeof querySchedule>;
