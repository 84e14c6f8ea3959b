import type { ScheduledSession } from '../../projections/index.ts';
import type { FailedJob } from '../../scheduling/index.ts';
import { builder } from '../builder.ts';

export const SessionStatusEnum = builder.enumType('SessionStatus', {
  values: ['scheduled', 'prewarmed', 'opened', 'cancelled'] as const,
});

export const SessionRef = builder.objectRef<ScheduledSession>('Session').implement({
  description:
    "A producer's scheduled big-name session: its room opens at startsAt, capacity is warmed leadTime before.",
  fields: (t) => ({
    id: t.exposeID('sessionId'),
    roomId: t.exposeID('roomId'),
    title: t.exposeString('title'),
    status: t.field({ type: SessionStatusEnum, resolve: (s) => s.status }),
    startsAt: t.field({ type: 'DateTime', resolve: (s) => s.startsAt }),
    prewarmAt: t.field({ type: 'DateTime', resolve: (s) => s.prewarmAt }),
    leadTimeMs: t.exposeInt('leadTimeMs'),
    headlinerUserId: t.exposeID('headlinerUserId'),
    expectedAudience: t.exposeInt('expectedAudience'),
    capacity: t.exposeInt('capacity'),
    scheduledBy: t.exposeID('scheduledBy'),
    overflowRoomsWarmed: t.exposeInt('overflowRoomsWarmed', { nullable: true }),
    cancelReason: t.exposeString('cancelReason', { nullable: true }),
  }),
});

export const FailedJobRef = builder.objectRef<FailedJob>('FailedJob').implement({
  description: "A session's job that kept failing after its retries.",
  fields: (t) => ({
    jobId: t.exposeID('jobId'),
    sessionId: t.exposeID('sessionId'),
    kind: t.exposeString('kind'),
    attempts: t.exposeInt('attempts'),
    lastError: t.exposeString('lastError'),
    failedAt: t.field({ type: 'DateTime', nullable: true, resolve: (job) => job.failedAt ?? null }),
  }),
});
