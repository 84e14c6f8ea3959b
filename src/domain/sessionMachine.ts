import { assign, setup, type SnapshotFrom } from 'xstate';
import type { SessionEvent } from './sessionEvents.ts';

/** A session's context: what it was scheduled as, and what has been done for it. */
export interface SessionContext {
  readonly sessionId: string;
  readonly roomId: string;
  readonly title: string;
  readonly startsAt: string;
  readonly headlinerUserId: string;
  readonly expectedAudience: number;
  readonly leadTimeMs: number;
  readonly capacity: number;
  /** The producer who scheduled it: the scheduler acts on their behalf. */
  readonly scheduledBy: string;
  /** Overflow rooms warmed for the expected audience; null until prewarmed (again, after a reschedule). */
  readonly overflowRoomsWarmed: number | null;
  /** How long after the doors open the warm-up ends; null: no such step (older sessions). */
  readonly drainAfterMs: number | null;
  /** Whether the room's warm-up was ended (the last step). */
  readonly warmUpEnded: boolean;
}

export const initialSessionContext = (): SessionContext => ({
  sessionId: '',
  roomId: '',
  title: '',
  startsAt: '',
  headlinerUserId: '',
  expectedAudience: 0,
  leadTimeMs: 0,
  capacity: 0,
  scheduledBy: '',
  overflowRoomsWarmed: null,
  drainAfterMs: null,
  warmUpEnded: false,
});

/**
 * A session's life: `idle → scheduled → prewarmed → opened`, and `cancelled`
 * from either waiting state. Rescheduling goes back to `scheduled` (a warm-up
 * done for the old time is done again for the new one). `cancelled` is
 * final; `opened` takes only the end of the warm-up (SessionWarmUpEnded). Like the room machine: the events are the persisted
 * domain events, no timers (the scheduler's jobs are the timers).
 */
export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
  },
  guards: {
    ofThisSession: ({ context, event }) => event.data.sessionId === context.sessionId,
  },
  actions: {
    schedule: assign(({ event }) => {
      if (event.type !== 'SessionScheduled') return {};
      const { by, drainAfterMs, ...data } = event.data;
      return { ...data, scheduledBy: by, overflowRoomsWarmed: null, drainAfterMs: drainAfterMs ?? null };
    }),
    reschedule: assign(({ event }) =>
      event.type === 'SessionRescheduled'
        ? { startsAt: event.data.startsAt, leadTimeMs: event.data.leadTimeMs, overflowRoomsWarmed: null }
        : {},
    ),
    endWarmUp: assign({ warmUpEnded: true }),
    recordWarmUp: assign(({ event }) =>
      event.type === 'SessionPrewarmed' ? { overflowRoomsWarmed: event.data.overflowRoomsWarmed } : {},
    ),
  },
}).createMachine({
  id: 'session',
  context: initialSessionContext,
  initial: 'idle',
  states: {
    idle: {
      on: { SessionScheduled: { target: 'scheduled', actions: 'schedule' } },
    },
    scheduled: {
      on: {
        SessionRescheduled: { guard: 'ofThisSession', actions: 'reschedule' },
        SessionPrewarmed: { target: 'prewarmed', guard: 'ofThisSession', actions: 'recordWarmUp' },
        SessionOpened: { target: 'opened', guard: 'ofThisSession' },
        SessionCancelled: { target: 'cancelled', guard: 'ofThisSession' },
      },
    },
    prewarmed: {
      on: {
        SessionRescheduled: { target: 'scheduled', guard: 'ofThisSession', actions: 'reschedule' },
        SessionOpened: { target: 'opened', guard: 'ofThisSession' },
        SessionCancelled: { target: 'cancelled', guard: 'ofThisSession' },
      },
    },
    // Not final: the warm-up still ends after the doors opened.
    opened: {
      on: { SessionWarmUpEnded: { guard: 'ofThisSession', actions: 'endWarmUp' } },
    },
    cancelled: { type: 'final' },
  },
});

export type SessionSnapshot = SnapshotFrom<typeof sessionMachine>;
