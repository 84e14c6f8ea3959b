import { randomUUID } from 'node:crypto';
import { builder } from '../builder.ts';
import type { ApiContext } from '../context.ts';
import { apiError, toGraphQLError } from '../errors.ts';
import { requireRole, requireViewer } from '../guards.ts';
import { FailedJobRef, SessionRef } from '../types/session.ts';
import { PAGES, pagedField, pageSize } from '../paging.ts';

const ScheduleSessionInput = builder.inputType('ScheduleSessionInput', {
  description: 'A big-name session to book ahead.',
  fields: (t) => ({
    title: t.string({ required: true, description: "The room's title: 1 to 200 visible characters." }),
    startsAt: t.field({ type: 'DateTime', required: true, description: 'When the room opens (in the future).' }),
    headlinerUserId: t.id({ required: true, description: 'The headliner.' }),
    expectedAudience: t.int({ required: true, description: 'Listeners expected: capacity is warmed for them.' }),
    leadTimeMs: t.int({ required: false, description: 'How long before startsAt to warm capacity (default 15 min).' }),
    capacity: t.int({ required: false, description: "The room's listener seats (default 5,000)." }),
  }),
});

/** Runs a producer's session command and waits for the schedule to show it. */
const asProducer = async (
  context: ApiContext,
  what: string,
  run: (metadata: {
    actor: string;
    at: string;
    correlationId: string;
  }) => Promise<{ sessionId: string; position: bigint }>,
) => {
  const viewer = requireRole(context, what, 'producer');
  try {
    const result = await run({
      actor: viewer.userId,
      at: context.services.now().toISOString(),
      correlationId: context.requestId,
    });
    if (result.position >= 0n) await context.services.readModels.waitFor(result.position);
    const session = context.services.readModels.schedule.session(result.sessionId);
    if (!session) throw apiError('NOT_FOUND', `Session ${result.sessionId} does not exist.`);
    return session;
  } catch (error) {
    throw toGraphQLError(error);
  }
};

builder.queryFields((t) => ({
  sessions: t.field({
    type: [SessionRef],
    description: 'Scheduled sessions by start time; upcoming: only those still to open.',
    extensions: pagedField(PAGES.sessions).extensions,
    args: {
      upcoming: t.arg.boolean({ required: false, description: 'Only sessions whose room has not opened yet.' }),
      first: t.arg.int({ required: false, description: pagedField(PAGES.sessions).firstDescription }),
    },
    resolve: (_root, args, context) => {
      requireViewer(context);
      const first = pageSize(args.first, PAGES.sessions);
      return context.services.readModels.schedule.sessions({
        upcoming: args.upcoming ?? false,
        now: context.services.now(),
        first,
      });
    },
  }),
  failedJobs: t.field({
    type: [FailedJobRef],
    description: "Sessions' jobs that kept failing: for producers to act on.",
    resolve: async (_root, _args, context) => {
      requireRole(context, 'see failed jobs', 'producer');
      return context.services.sessions.failedJobs();
    },
  }),
}));

builder.mutationFields((t) => ({
  scheduleSession: t.field({
    type: SessionRef,
    nullable: true,
    description: 'Books a headliner: the room opens at startsAt, and capacity is warmed leadTime before.',
    args: { input: t.arg({ type: ScheduleSessionInput, required: true, description: 'What to open.' }) },
    resolve: (_root, { input }, context) =>
      asProducer(context, 'schedule sessions', (metadata) => {
        const sessionId = randomUUID();
        return context.services.sessions.service.scheduleSession(
          {
            sessionId,
            roomId: sessionId,
            title: input.title,
            startsAt: input.startsAt.toISOString(),
            headlinerUserId: input.headlinerUserId,
            expectedAudience: input.expectedAudience,
            ...(input.leadTimeMs != null ? { leadTimeMs: input.leadTimeMs } : {}),
            ...(input.capacity != null ? { capacity: input.capacity } : {}),
          },
          metadata,
        );
      }),
  }),
  rescheduleSession: t.field({
    type: SessionRef,
    description: 'Moves a session you scheduled; its jobs move with it.',
    nullable: true,
    args: {
      sessionId: t.arg.id({ required: true, description: 'The session.' }),
      startsAt: t.arg({ type: 'DateTime', required: true, description: 'When the room now opens.' }),
      leadTimeMs: t.arg.int({
        required: false,
        description: 'How long before startsAt to warm capacity, in ms (default: as before).',
      }),
    },
    resolve: (_root, args, context) =>
      asProducer(context, 'reschedule sessions', (metadata) =>
        context.services.sessions.service.rescheduleSession(
          {
            sessionId: args.sessionId,
            startsAt: args.startsAt.toISOString(),
            ...(args.leadTimeMs != null ? { leadTimeMs: args.leadTimeMs } : {}),
          },
          metadata,
        ),
      ),
  }),
  cancelSession: t.field({
    type: SessionRef,
    description: 'Cancels a session you scheduled; its jobs are removed.',
    nullable: true,
    args: {
      sessionId: t.arg.id({ required: true, description: 'The session.' }),
      reason: t.arg.string({ required: false, description: 'Why, for the record (at most 500 characters).' }),
    },
    resolve: (_root, args, context) =>
      asProducer(context, 'cancel sessions', (metadata) =>
        context.services.sessions.service.cancelSession(
          { sessionId: args.sessionId, ...(args.reason ? { reason: args.reason } : {}) },
          metadata,
        ),
      ),
  }),
}));
