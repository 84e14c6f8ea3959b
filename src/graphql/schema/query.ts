import type { RoomDetail } from '../../projections/index.ts';
import { builder } from '../builder.ts';
import { apiError } from '../errors.ts';
import { requireRole, requireViewer } from '../guards.ts';
import { RoomAnalyticsRef } from '../types/analytics.ts';
import { RoomHistoryRef } from '../types/history.ts';
import { RoomRef, RoomStateEnum } from '../types/room.ts';
import { ViewerRef } from '../types/viewer.ts';

const pageSize = (first: number | null | undefined, max: number): number => {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw apiError('INVALID_INPUT', `first must be from 1 to ${max}, not ${size}.`);
  }
  return size;
};

export const RoomConnectionRef = builder
  .objectRef<{ nodes: RoomDetail[]; endCursor: string | null; hasNextPage: boolean }>('RoomConnection')
  .implement({
    fields: (t) => ({
      nodes: t.field({ type: [RoomRef], resolve: (page) => page.nodes }),
      endCursor: t.exposeString('endCursor', { nullable: true }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
    }),
  });

builder.queryFields((t) => ({
  viewer: t.field({
    type: ViewerRef,
    nullable: true,
    description: 'Who the token says you are; null without one.',
    resolve: (_root, _args, context) => context.viewer,
  }),
  room: t.field({
    type: RoomRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => {
      requireViewer(context);
      return context.services.readModels.room(id) ?? null;
    },
  }),
  rooms: t.field({
    type: RoomConnectionRef,
    description: 'The room directory: main rooms by id, a page at a time. Open to everyone.',
    args: {
      state: t.arg({ type: RoomStateEnum, required: false }),
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) => {
      const first = pageSize(args.first, 100);
      const { readModels } = context.services;
      const entries = readModels.directory({
        state: args.state ?? undefined,
        after: args.after ?? undefined,
        first: first + 1,
      });
      const nodes = entries.slice(0, first).flatMap((entry) => readModels.room(entry.roomId) ?? []);
      return { nodes, endCursor: nodes.at(-1)?.roomId ?? null, hasNextPage: entries.length > first };
    },
  }),
  roomAsOf: t.field({
    type: RoomRef,
    nullable: true,
    description: 'The room as it was at a moment: folded from its stream up to then.',
    args: { id: t.arg.id({ required: true }), at: t.arg({ type: 'DateTime', required: true }) },
    resolve: async (_root, { id, at }, context) => {
      requireRole(context, 'replay room history', 'analyst', 'producer');
      return (await context.services.readModels.roomAsOf(id, { at })) ?? null;
    },
  }),
  roomHistory: t.field({
    type: RoomHistoryRef,
    description: "The room's raw events, oldest first, a page at a time (the cursor is a revision).",
    args: {
      id: t.arg.id({ required: true }),
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, context) => {
      requireRole(context, 'read room history', 'analyst', 'producer');
      const first = pageSize(args.first, 1000);
      if (args.after !== null && args.after !== undefined && !/^\d+$/.test(args.after)) {
        throw apiError('INVALID_INPUT', `after must be the endCursor of an earlier page, not "${args.after}".`);
      }
      const from = args.after === null || args.after === undefined ? 0n : BigInt(args.after) + 1n;
      const events = await context.services.readModels.history(args.id, from, first + 1);
      if (!events) throw apiError('NOT_FOUND', `Room ${args.id} does not exist.`);
      const nodes = events.slice(0, first);
      return {
        nodes,
        endCursor: nodes.length > 0 ? String(nodes.at(-1)!.revision) : null,
        hasNextPage: events.length > first,
      };
    },
  }),
  roomAnalytics: t.field({
    type: RoomAnalyticsRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => {
      requireRole(context, 'read room analytics', 'analyst', 'producer');
      const { readModels } = context.services;
      const summary = readModels.analytics(id);
      return summary ? { summary, seconds: () => readModels.seconds(id) } : null;
    },
  }),
}));
