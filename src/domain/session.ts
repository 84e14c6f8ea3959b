import { initialTransition, transition } from 'xstate';
import type { SessionEvent } from './sessionEvents.ts';
import { sessionMachine, type SessionSnapshot } from './sessionMachine.ts';

/** A session's state is its machine's snapshot: the context holds everything decide needs. */
export type SessionState = SessionSnapshot;

export type SessionStatus = 'idle' | 'scheduled' | 'prewarmed' | 'opened' | 'cancelled';

export const initialSessionState = (): SessionState => initialTransition(sessionMachine)[0];

export const sessionStatus = (state: SessionState): SessionStatus => state.value;

/** Applies one recorded event: xstate's pure transition, nothing else. */
export const evolveSession = (state: SessionState, event: SessionEvent): SessionState =>
  transition(sessionMachine, state, event)[0];

/** Folds a session's stream from the initial state. */
export const replaySession = (
  events: Iterable<SessionEvent>,
  from: SessionState = initialSessionState(),
): SessionState => {
  let state = from;
  for (const event of events) state = evolveSession(state, event);
  return state;
};

/**
 * Overflow rooms an expected audience needs beside the main room: one per
 * further `capacity` listeners (ceil(audience / capacity) − 1, never negative).
 */
export const overflowRoomsFor = (expectedAudience: number, capacity: number): number =>
  Math.max(0, Math.ceil(expectedAudience / capacity) - 1);

export type SessionStep = 'prewarm' | 'open' | 'drain';

/**
 * When a step of the session is due, in epoch ms: prewarm at `startsAt −
 * leadTimeMs`, open at `startsAt`, drain (end the warm-up) at `startsAt +
 * drainAfterMs` (a session without `drainAfterMs` has no drain step: never).
 */
export const sessionDueAt = (
  schedule: { readonly startsAt: string; readonly leadTimeMs: number; readonly drainAfterMs?: number | null },
  step: SessionStep,
): number => {
  const startsAt = Date.parse(schedule.startsAt);
  switch (step) {
    case 'prewarm':
      return startsAt - schedule.leadTimeMs;
    case 'open':
      return startsAt;
    case 'drain':
      return schedule.drainAfterMs === undefined || schedule.drainAfterMs === null
        ? Number.POSITIVE_INFINITY
        : startsAt + schedule.drainAfterMs;
    default: {
      const unknown: never = step;
      throw new TypeError(`sessionDueAt: unknown step ${JSON.stringify(unknown)}`);
    }
  }
};
