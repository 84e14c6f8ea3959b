import type { RoomAnalytics, SecondBucket } from '../../projections/index.ts';
import { builder } from '../builder.ts';

export const SecondBucketRef = builder.objectRef<SecondBucket>('TimelineSecond').implement({
  fields: (t) => ({
    second: t.field({ type: 'DateTime', resolve: (s) => s.second }),
    listeners: t.exposeInt('listeners'),
    familyListeners: t.exposeInt('familyListeners'),
    joins: t.exposeInt('joins'),
    leaves: t.exposeInt('leaves'),
  }),
});

export interface AnalyticsShape {
  readonly summary: RoomAnalytics;
  readonly seconds: () => SecondBucket[];
}

export const RoomAnalyticsRef = builder.objectRef<AnalyticsShape>('RoomAnalytics').implement({
  fields: (t) => ({
    roomId: t.id({ resolve: (a) => a.summary.roomId }),
    listeners: t.int({ resolve: (a) => a.summary.listeners }),
    familyListeners: t.int({ resolve: (a) => a.summary.familyListeners }),
    peak: t.int({ resolve: (a) => a.summary.peak }),
    peakAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.summary.peakAt }),
    familyPeak: t.int({ resolve: (a) => a.summary.familyPeak }),
    joins: t.int({ resolve: (a) => a.summary.joins }),
    leaves: t.int({ resolve: (a) => a.summary.leaves }),
    overflowRooms: t.int({ resolve: (a) => a.summary.overflowRooms }),
    msToFirstOverflow: t.float({ nullable: true, resolve: (a) => a.summary.msToFirstOverflow }),
    headlinerArrivedAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.summary.headlinerArrivedAt }),
    joinsInMinuteAfterHeadliner: t.int({ resolve: (a) => a.summary.joinsInMinuteAfterHeadliner }),
    timeline: t.field({
      type: [SecondBucketRef],
      description: 'Per second in which something happened, oldest first.',
      resolve: (a) => a.seconds(),
    }),
  }),
});
