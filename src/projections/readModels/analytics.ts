import type { RoomEvent } from '../../domain/index.ts';
import { occurredAt, type DocumentProjection } from '../types.ts';

/** One second of a room's life: listeners at its end, joins and leaves within it. */
export interface SecondBucket {
  readonly roomId: string;
  readonly second: string;
  readonly listeners: number;
  readonly familyListeners: number;
  readonly joins: number;
  readonly leaves: number;
  /** Listeners waiting in the family's queue at its end (a main room's). */
  readonly queued: number;
  /** Listeners seated from the queue within it. */
  readonly admittedFromQueue: number;
}

/** One minute of a room's life, summed from its seconds (only those in which something happened). */
export interface MinuteBucket {
  readonly roomId: string;
  readonly minute: string;
  readonly listeners: number;
  readonly familyListeners: number;
  readonly joins: number;
  readonly leaves: number;
  readonly queued: number;
  readonly admittedFromQueue: number;
  readonly seconds: readonly SecondBucket[];
}

export interface RoomAnalytics {
  readonly roomId: string;
  readonly parentRoomId: string | null;
  readonly openedAt: string | null;
  readonly endedAt: string | null;
  readonly listeners: number;
  readonly familyListeners: number;
  readonly peak: number;
  readonly peakAt: string | null;
  readonly familyPeak: number;
  readonly familyPeakAt: string | null;
  readonly joins: number;
  readonly leaves: number;
  readonly firstOverflowAt: string | null;
  readonly msToFirstOverflow: number | null;
  readonly overflowRooms: number;
  readonly headlinerArrivedAt: string | null;
  /** Joins into the family in the minute after the headliner arrived. */
  readonly joinsInMinuteAfterHeadliner: number;
  /** The waiting room (a main room's): listeners waiting now, the most at once, and in all. */
  readonly queued: number;
  readonly queuePeak: number;
  readonly queuePeakAt: string | null;
  readonly queuedInAll: number;
  readonly admittedFromQueue: number;
  readonly leftQueue: number;
}

export const summaryKey = (roomId: string): string => `summary:${roomId}`;
/** Second buckets sort by time within a room: the key carries the second as a fixed-width number. */
export const secondKey = (roomId: string, secondMs: number): string =>
  `timeline:${roomId}:${String(secondMs).padStart(15, '0')}`;

/** Groups a room's second buckets (in time order) into minutes. */
export const toMinutes = (seconds: readonly SecondBucket[]): MinuteBucket[] => {
  const minutes: MinuteBucket[] = [];
  for (const second of seconds) {
    const minute = `${second.second.slice(0, 16)}:00.000Z`;
    const last = minutes.at(-1);
    if (last && last.minute === minute) {
      minutes[minutes.length - 1] = {
        ...last,
        listeners: second.listeners,
        familyListeners: second.familyListeners,
        joins: last.joins + second.joins,
        leaves: last.leaves + second.leaves,
        queued: second.queued,
        admittedFromQueue: last.admittedFromQueue + second.admittedFromQueue,
        seconds: [...last.seconds, second],
      };
    } else {
      minutes.push({
        roomId: second.roomId,
        minute,
        listeners: second.listeners,
        familyListeners: second.familyListeners,
        joins: second.joins,
        leaves: second.leaves,
        queued: second.queued,
        admittedFromQueue: second.admittedFromQueue,
        seconds: [second],
      });
    }
  }
  return minutes;
};

const blank = (roomId: string): RoomAnalytics => ({
  roomId,
  parentRoomId: null,
  openedAt: null,
  endedAt: null,
  listeners: 0,
  familyListeners: 0,
  peak: 0,
  peakAt: null,
  familyPeak: 0,
  familyPeakAt: null,
  joins: 0,
  leaves: 0,
  firstOverflowAt: null,
  msToFirstOverflow: null,
  overflowRooms: 0,
  headlinerArrivedAt: null,
  joinsInMinuteAfterHeadliner: 0,
  queued: 0,
  queuePeak: 0,
  queuePeakAt: null,
  queuedInAll: 0,
  admittedFromQueue: 0,
  leftQueue: 0,
});

/** Parses ISO times, remembering the last one: a room's few timestamps are read on every event. */
let lastIso = '';
let lastMs = 0;
const msOf = (iso: string): number => {
  if (iso !== lastIso) {
    lastIso = iso;
    lastMs = Date.parse(iso);
  }
  return lastMs;
};

/** ISO strings of instants, remembering the last one: a surge's events share their milliseconds. */
let lastT = Number.NaN;
let lastTIso = '';
const isoOf = (t: number): string => {
  if (t !== lastT) {
    lastT = t;
    lastTIso = new Date(t).toISOString();
  }
  return lastTIso;
};

/** How an event changes this room's own listeners, the family's, and its joins and leaves. */
const deltas = (event: RoomEvent): { own: number; family: number; joins: number; leaves: number } => {
  const roomId = event.data.roomId;
  switch (event.type) {
    case 'ListenerAdmitted':
      return { own: 1, family: 1, joins: 1, leaves: 0 };
    case 'ListenerRedirectedToOverflow':
      return { own: 0, family: 1, joins: 1, leaves: 0 };
    case 'ListenerLeft':
      return { own: event.data.fromRoomId === roomId ? -1 : 0, family: -1, joins: 0, leaves: 1 };
    case 'SpeakerInviteAccepted':
    case 'HeadlinerArrived':
      return event.data.fromRoomId === null
        ? { own: 0, family: 0, joins: 0, leaves: 0 }
        : { own: event.data.fromRoomId === roomId ? -1 : 0, family: -1, joins: 0, leaves: 0 };
    default:
      return { own: 0, family: 0, joins: 0, leaves: 0 };
  }
};

/**
 * Per room (main and overflow, each from its own stream): a per-second and
 * per-minute timeline of listeners, joins and leaves; peak and when; time to
 * the first overflow room; the join rate in the minute after the headliner.
 */
export const analyticsProjection: DocumentProjection<RoomAnalytics | SecondBucket> = {
  name: 'analytics',
  // 3: the first overflow is the first listener redirected (prewarmed rooms spawn ahead). 4: the waiting room.
  version: 4,
  perStream: true,
  handles: new Set([
    'RoomOpened',
    'ListenerQueued',
    'ListenerAdmittedFromQueue',
    'ListenerLeftQueue',
    'ListenerAdmitted',
    'ListenerRedirectedToOverflow',
    'ListenerLeft',
    'SpeakerInviteAccepted',
    'HeadlinerArrived',
    'OverflowRoomSpawned',
    'RoomEnded',
  ]),
  evolve(recorded, read) {
    const event = { type: recorded.type, data: recorded.data } as RoomEvent;
    const roomId = event.data.roomId;
    const t = occurredAt(recorded);
    const b = (read(summaryKey(roomId)) as RoomAnalytics | undefined) ?? blank(roomId);
    const d = deltas(event);
    const listeners = b.listeners + d.own;
    const familyListeners = b.familyListeners + d.family;
    const arrived = b.headlinerArrivedAt === null ? undefined : msOf(b.headlinerArrivedAt);
    // The first listener sent to an overflow room (with a spawn, at the same moment; a prewarmed room waits for them).
    const firstOverflow = event.type === 'ListenerRedirectedToOverflow' && b.firstOverflowAt === null;
    const fromQueue = event.type === 'ListenerAdmittedFromQueue' ? 1 : 0;
    const before = b.queued;
    const queued =
      event.type === 'ListenerQueued'
        ? before + 1
        : event.type === 'RoomEnded'
          ? 0
          : before - fromQueue - (event.type === 'ListenerLeftQueue' ? 1 : 0);
    const queuePeak = b.queuePeak;
    // One new object per event: this runs for every join of a surge.
    const summary: RoomAnalytics = {
      roomId,
      parentRoomId: event.type === 'RoomOpened' ? event.data.parentRoomId : b.parentRoomId,
      openedAt: event.type === 'RoomOpened' ? isoOf(t) : b.openedAt,
      endedAt: event.type === 'RoomEnded' ? isoOf(t) : b.endedAt,
      listeners,
      familyListeners,
      peak: listeners > b.peak ? listeners : b.peak,
      peakAt: listeners > b.peak ? isoOf(t) : b.peakAt,
      familyPeak: familyListeners > b.familyPeak ? familyListeners : b.familyPeak,
      familyPeakAt: familyListeners > b.familyPeak ? isoOf(t) : b.familyPeakAt,
      joins: b.joins + d.joins,
      leaves: b.leaves + d.leaves,
      firstOverflowAt: firstOverflow ? isoOf(t) : b.firstOverflowAt,
      msToFirstOverflow: firstOverflow && b.openedAt !== null ? t - msOf(b.openedAt) : b.msToFirstOverflow,
      overflowRooms: b.overflowRooms + (event.type === 'OverflowRoomSpawned' ? 1 : 0),
      headlinerArrivedAt: event.type === 'HeadlinerArrived' ? isoOf(t) : b.headlinerArrivedAt,
      joinsInMinuteAfterHeadliner:
        b.joinsInMinuteAfterHeadliner +
        (d.joins > 0 && arrived !== undefined && t >= arrived && t < arrived + 60_000 ? 1 : 0),
      queued,
      queuePeak: queued > queuePeak ? queued : queuePeak,
      queuePeakAt: queued > queuePeak ? isoOf(t) : b.queuePeakAt,
      queuedInAll: b.queuedInAll + (event.type === 'ListenerQueued' ? 1 : 0),
      admittedFromQueue: b.admittedFromQueue + fromQueue,
      leftQueue: b.leftQueue + (event.type === 'ListenerLeftQueue' ? 1 : 0),
    };
    const secondMs = t - (t % 1000);
    const key = secondKey(roomId, secondMs);
    const bucket = read(key) as SecondBucket | undefined;
    const second: SecondBucket = {
      roomId,
      second: bucket?.second ?? new Date(secondMs).toISOString(),
      listeners,
      familyListeners,
      joins: (bucket?.joins ?? 0) + d.joins,
      leaves: (bucket?.leaves ?? 0) + d.leaves,
      queued,
      admittedFromQueue: (bucket?.admittedFromQueue ?? 0) + fromQueue,
    };
    return [
      [summaryKey(roomId), summary],
      [key, second],
    ];
  },
};
