import type { RoomDetail } from '../../projections/index.ts';
import { builder } from '../builder.ts';
import { apiError } from '../errors.ts';
import { requireRole, requireViewer } from '../guards.ts';
import { RoomAnalyticsRef } from '../types/analytics.ts';
import { PageInfoRef, RoomHistoryRef, type Page } from '../types/history.ts';
import { checkId } from '../inputChecks.ts';
import { PAGES, pagedField, pageSize } from '../paging.ts';
import { RoomRef, RoomStateEnum } from '../types/room.ts';
import { ViewerRef } from '../types/viewer.ts';

export const RoomConnectionRef = builder.objectRef<Page<RoomDetail>>('RoomConnection').implement({
  description: 'A page of rooms, and where the next page starts.',
  fields: (t) => ({
    nodes: t.field({ type: [RoomRef], description: 'The rooms of this page.', resolve: (page) => page.nodes }),
    pageInfo: t.field({ type: PageInfoRef, description: 'Whether there is a next page.', resolve: (page) => page }),
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
    description: 'A room (main or overflow) by id; null if there is none. Needs a token.',
    type: RoomRef,
    nullable: true,
    args: { id: t.arg.id({ required: true, description: 'The room.' }) },
    resolve: (_root, { id }, context) => {
      requireViewer(context);
      return context.services.readModels.room(id) ?? null;
    },
  }),
  rooms: t.field({
    type: RoomConnectionRef,
    description: 'The room directory: main rooms by id, a page at a time. Open to everyone.',
    extensions: pagedField(PAGES.rooms).extensions,
    args: {
      state: t.arg({ type: RoomStateEnum, required: false, description: 'Only rooms in this state.' }),
      first: t.arg.int({ required: false, description: pagedField(PAGES.rooms).firstDescription }),
      after: t.arg.string({ required: false, description: "The previous page's pageInfo.endCursor." }),
    },
    resolve: (_root, args, context) => {
      const first = pageSize(args.first, PAGES.rooms);
      if (args.after !== null && args.after !== undefined) checkId('after', args.after);
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
    args: {
      id: t.arg.id({ required: true, description: 'The room.' }),
      at: t.arg({ type: 'DateTime', required: true, description: 'The moment to see the room as of.' }),
    },
    resolve: async (_root, { id, at }, context) => {
      requireRole(context, 'replay room history', 'analyst', 'producer');
      return (await context.services.readModels.roomAsOf(id, { at })) ?? null;
    },
  }),
  roomHistory: t.field({
    type: RoomHistoryRef,
    description: "The room's raw events, oldest first, a page at a time (the cursor is a revision).",
    extensions: pagedField(PAGES.roomHistory).extensions,
    args: {
      id: t.arg.id({ required: true, description: 'The room (a main or an overflow room).' }),
      first: t.arg.int({ required: false, description: pagedField(PAGES.roomHistory).firstDescription }),
      after: t.arg.string({ required: false, description: "The previous page's pageInfo.endCursor." }),
    },
    resolve: async (_root, args, context) => {
      requireRole(context, 'read room history', 'analyst', 'producer');
      const first = pageSize(args.first, PAGES.roomHistory);
      // A revision fits 18 digits; a longer number is no cursor this API gave out.
      if (args.after !== null && args.after !== undefined && !/^\d{1,18}$/.test(args.after)) {
        const shown = args.after.length > 40 ? `${args.after.slice(0, 40)}…` : args.after;
        throw apiError('INVALID_INPUT', `after must be the endCursor of an earlier page, not "${shown}".`, {
          field: 'after',
        });
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
    description: "A room's audience over its life: peak, joins, time to first overflow, the timeline.",
    type: RoomAnalyticsRef,
    nullable: true,
    args: { id: t.arg.id({ required: true, description: 'The room.' }) },
    resolve: (_root, { id }, context) => {
      requireRole(context, 'read room analytics', 'analyst', 'producer');
      const { readModels } = context.services;
      const summary = readModels.analytics(id);
      return summary ? { summary, seconds: () => readModels.seconds(id) } : null;
    },
  }),
}));
