/**
 * What happens to a producer's scheduled session, as facts in the past tense.
 * A session's stream (`session-{sessionId}`) holds its whole life; the room it
 * opens keeps its own stream.
 */

type Of<Type extends string, Data> = { readonly type: Type; readonly data: Data };
type OfSession<T = object> = { readonly sessionId: string } & T;

export type SessionScheduled = Of<
  'SessionScheduled',
  OfSession<{
    roomId: string;
    title: string;
    /** ISO 8601: when the room opens. */
    startsAt: string;
    headlinerUserId: string;
    expectedAudience: number;
    /** How long before `startsAt` capacity is warmed. */
    leadTimeMs: number;
    /** Listener seats of the room (and of each overflow room it spawns). */
    capacity: number;
    /**
     * How long after the doors open the warm rooms nobody sat in are drained
     * (the deployment's setting when it was scheduled); absent in sessions
     * scheduled before warm rooms drained, which have no such step.
     */
    drainAfterMs?: number;
    by: string;
  }>
>;
/** `leadTimeMs` is recorded resolved (the previous one when the command left it out). */
export type SessionRescheduled = Of<'SessionRescheduled', OfSession<{ startsAt: string; leadTimeMs: number }>>;
export type SessionCancelled = Of<'SessionCancelled', OfSession<{ by: string; reason: string | null }>>;
/** Capacity was warmed ahead of the doors opening; the room itself is not open yet. */
export type SessionPrewarmed = Of<'SessionPrewarmed', OfSession<{ roomId: string; overflowRoomsWarmed: number }>>;
export type SessionOpened = Of<'SessionOpened', OfSession<{ roomId: string }>>;
/** `drainAfterMs` after the doors opened, the room's warm-up was ended (its unused warm rooms drained). */
export type SessionWarmUpEnded = Of<'SessionWarmUpEnded', OfSession<{ roomId: string }>>;

export type SessionEvent =
  SessionScheduled | SessionRescheduled | SessionCancelled | SessionPrewarmed | SessionOpened | SessionWarmUpEnded;

export type SessionEventType = SessionEvent['type'];

export const SESSION_EVENT_TYPES: readonly SessionEventType[] = [
  'SessionScheduled',
  'SessionRescheduled',
  'SessionCancelled',
  'SessionPrewarmed',
  'SessionOpened',
  'SessionWarmUpEnded',
];

export const isSessionEvent = (event: { type: string }): event is SessionEvent =>
  (SESSION_EVENT_TYPES as readonly string[]).includes(event.type);

export const sessionStreamId = (sessionId: string): string => `session-${sessionId}`;
