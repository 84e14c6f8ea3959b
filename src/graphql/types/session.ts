import type { ScheduledSession } from '../../projections/index.ts';
import type { FailedJob } from '../../scheduling/index.ts';
import { builder } from '../builder.ts';

export const SessionStatusEnum = builder.enumType('SessionStatus', {
  description: 'Where a scheduled session is.',
  values: {
    scheduled: { description: 'Booked; capacity not warmed yet.' },
    prewarmed: { description: 'Overflow rooms and media warmed for the expected audience.' },
    opened: { description: 'Its room is open.' },
    cancelled: { description: 'Called off by its producer.' },
  } as const,
});

export const SessionRef = builder.objectRef<ScheduledSession>('Session').implement({
  description:
    "A producer's scheduled big-name session: its room opens at startsAt, capacity is warmed leadTime before.",
  fields: (t) => ({
    id: t.exposeID('sessionId', { description: 'The session.' }),
    roomId: t.exposeID('roomId', { description: 'The room it opens.' }),
    title: t.exposeString('title', { description: "The room's title." }),
    status: t.field({ type: SessionStatusEnum, description: 'Where it is.', resolve: (s) => s.status }),
    startsAt: t.field({ type: 'DateTime', description: 'When the room opens.', resolve: (s) => s.startsAt }),
    prewarmAt: t.field({ type: 'DateTime', description: 'When capacity is warmed.', resolve: (s) => s.prewarmAt }),
    leadTimeMs: t.exposeInt('leadTimeMs', { description: 'How long before startsAt capacity is warmed, in ms.' }),
    headlinerUserId: t.exposeID('headlinerUserId', { description: 'The headliner.' }),
    expectedAudience: t.exposeInt('expectedAudience', { description: 'Listeners expected.' }),
    capacity: t.exposeInt('capacity', { description: "The main room's listener seats." }),
    scheduledBy: t.exposeID('scheduledBy', {
      description: 'The producer who scheduled it (the only one who may change it).',
    }),
    overflowRoomsWarmed: t.exposeInt('overflowRoomsWarmed', {
      nullable: true,
      description: 'Overflow rooms opened at prewarm; null before.',
    }),
    cancelReason: t.exposeString('cancelReason', { nullable: true, description: 'Why it was cancelled, if it was.' }),
  }),
});

export const FailedJobRef = builder.objectRef<FailedJob>('FailedJob').implement({
  description: "A session's job that kept failing after its retries.",
  fields: (t) => ({
    jobId: t.exposeID('jobId', { description: 'The job (session:ID:prewarm or session:ID:open).' }),
    sessionId: t.exposeID('sessionId', { description: 'Its session.' }),
    kind: t.exposeString('kind', { description: 'Prewarm or open.' }),
    attempts: t.exposeInt('attempts', { description: 'How many times it ran.' }),
    lastError: t.exposeString('lastError', { description: 'What the last attempt said.' }),
    failedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it last failed.',
      resolve: (job) => job.failedAt ?? null,
    }),
  }),
});
