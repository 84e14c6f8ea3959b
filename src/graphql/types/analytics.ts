import type { RoomAnalytics, SecondBucket } from '../../projections/index.ts';
import { builder } from '../builder.ts';

export const SecondBucketRef = builder.objectRef<SecondBucket>('TimelineSecond').implement({
  description: "One second of a room's life in which something happened.",
  fields: (t) => ({
    second: t.field({ type: 'DateTime', description: 'The start of the second.', resolve: (s) => s.second }),
    listeners: t.exposeInt('listeners', { description: 'Listeners in the room at its end.' }),
    familyListeners: t.exposeInt('familyListeners', { description: 'Listeners in the room and its overflow rooms.' }),
    joins: t.exposeInt('joins', { description: 'Joins in that second.' }),
    leaves: t.exposeInt('leaves', { description: 'Leaves in that second.' }),
    queued: t.int({
      description: "Listeners waiting in the family's waiting room at its end (a main room's).",
      resolve: (s) => s.queued,
    }),
    admittedFromQueue: t.int({
      description: 'Listeners seated from the waiting room in that second.',
      resolve: (s) => s.admittedFromQueue,
    }),
  }),
});

export interface AnalyticsShape {
  readonly summary: RoomAnalytics;
  readonly seconds: () => SecondBucket[];
}

export const RoomAnalyticsRef = builder.objectRef<AnalyticsShape>('RoomAnalytics').implement({
  description: "A room's audience over its life, from its events.",
  fields: (t) => ({
    roomId: t.id({ description: 'The room.', resolve: (a) => a.summary.roomId }),
    listeners: t.int({ description: 'Listeners now.', resolve: (a) => a.summary.listeners }),
    familyListeners: t.int({
      description: 'Listeners now in the room and its overflow rooms.',
      resolve: (a) => a.summary.familyListeners,
    }),
    peak: t.int({ description: 'The most listeners at once.', resolve: (a) => a.summary.peak }),
    peakAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the peak was first reached.',
      resolve: (a) => a.summary.peakAt,
    }),
    familyPeak: t.int({
      description: 'The most listeners at once across the family.',
      resolve: (a) => a.summary.familyPeak,
    }),
    joins: t.int({ description: 'Joins in all.', resolve: (a) => a.summary.joins }),
    leaves: t.int({ description: 'Leaves in all.', resolve: (a) => a.summary.leaves }),
    overflowRooms: t.int({ description: 'Overflow rooms spawned.', resolve: (a) => a.summary.overflowRooms }),
    msToFirstOverflow: t.float({
      nullable: true,
      description: 'Milliseconds from opening to the first overflow room; null if none.',
      resolve: (a) => a.summary.msToFirstOverflow,
    }),
    headlinerArrivedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the headliner arrived, if one did.',
      resolve: (a) => a.summary.headlinerArrivedAt,
    }),
    joinsInMinuteAfterHeadliner: t.int({
      description: "Joins in the minute after the headliner's arrival.",
      resolve: (a) => a.summary.joinsInMinuteAfterHeadliner,
    }),
    queued: t.int({
      description: "Listeners waiting in the family's waiting room now (a main room's).",
      resolve: (a) => a.summary.queued,
    }),
    queuePeak: t.int({
      description: 'The most listeners waiting at once.',
      resolve: (a) => a.summary.queuePeak,
    }),
    queuedInAll: t.int({
      description: 'Listeners who waited in the queue, in all.',
      resolve: (a) => a.summary.queuedInAll,
    }),
    admittedFromQueue: t.int({
      description: 'Listeners seated from the queue, in all.',
      resolve: (a) => a.summary.admittedFromQueue,
    }),
    leftQueue: t.int({
      description: 'Listeners who left the queue before a seat came.',
      resolve: (a) => a.summary.leftQueue,
    }),
    timeline: t.field({
      type: [SecondBucketRef],
      description: 'Per second in which something happened, oldest first.',
      resolve: (a) => a.seconds(),
    }),
  }),
});
