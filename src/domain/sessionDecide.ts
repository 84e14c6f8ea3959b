import { DEFAULT_CAPACITY } from './commands.ts';
import { DomainError, invalidCommand } from './errors.ts';
import {
  isoTime,
  MAX_AUDIENCE,
  MAX_CAPACITY,
  requireActor,
  requireId,
  requireTitle,
  wholeNumber,
} from './validation.ts';
import {
  evolveSession,
  overflowRoomsFor,
  sessionDueAt,
  sessionStatus,
  type SessionState,
  type SessionStep,
} from './session.ts';
import { DEFAULT_LEAD_TIME_MS, type SessionCommand } from './sessionCommands.ts';
import type { SessionEvent } from './sessionEvents.ts';

/** A year: a lead time longer than that is a typo, not a plan. */
const MAX_LEAD_TIME_MS = 365 * 24 * 60 * 60 * 1000;

export const sessionNotFound = (sessionId: string): DomainError =>
  new DomainError('SESSION_NOT_FOUND', `Session ${sessionId} does not exist: schedule it first.`);

const requireFutureStart = (value: unknown, at: string): string => {
  const startsAt = isoTime('startsAt', value);
  if (Date.parse(startsAt) <= Date.parse(at)) {
    throw invalidCommand(`startsAt ${startsAt} is not after the command's time ${at}: a session starts in the future.`);
  }
  return startsAt;
};

/** Refuses changes to a session that is over: cancelled, or its room already opened. */
const requireWaiting = (state: SessionState, what: string): void => {
  const { sessionId } = state.context;
  const status = sessionStatus(state);
  if (status === 'cancelled') {
    throw new DomainError(
      'SESSION_CANCELLED',
      `Session ${sessionId} was cancelled, so it cannot ${what}; schedule a new session.`,
    );
  }
  if (status === 'opened') {
    throw new DomainError(
      'SESSION_ALREADY_OPENED',
      `Session ${sessionId} has already opened room ${state.context.roomId}, so it cannot ${what}; manage the room instead.`,
    );
  }
};

/** Only the producer who scheduled a session may move or cancel it. */
const requireScheduledBy = (state: SessionState, actor: string, what: string): void => {
  const { sessionId, scheduledBy } = state.context;
  if (actor !== scheduledBy) {
    throw new DomainError(
      'NOT_THE_SESSION_PRODUCER',
      `Only ${scheduledBy}, who scheduled session ${sessionId}, can ${what} it; ${actor} did not. Ask them, or schedule a session of your own.`,
    );
  }
};

const requireDue = (state: SessionState, step: SessionStep, at: string): void => {
  const due = sessionDueAt(state.context, step);
  if (Date.parse(at) < due) {
    throw new DomainError(
      'SESSION_NOT_DUE',
      `Session ${state.context.sessionId} is due to ${step} at ${new Date(due).toISOString()}, not at ${at}.`,
    );
  }
};

/**
 * Turns a session command into the events that record it, or refuses it with
 * a DomainError saying why. Pure. Prewarm and open are idempotent: once done,
 * they decide nothing, so a job delivered twice changes nothing.
 */
export const decideSession = (state: SessionState, command: SessionCommand): SessionEvent[] => {
  const sessionId = requireId('sessionId', command.data?.sessionId);
  const actor = requireActor(command.metadata.actor);
  const at = isoTime('metadata.at', command.metadata.at);
  const status = sessionStatus(state);
  const context = state.context;
  if (status === 'idle' && command.type !== 'ScheduleSession') throw sessionNotFound(sessionId);
  if (status !== 'idle' && context.sessionId !== sessionId) {
    throw invalidCommand(`This is session ${context.sessionId}; the command names session ${sessionId}.`);
  }

  switch (command.type) {
    case 'ScheduleSession': {
      if (status !== 'idle') {
        throw new DomainError('SESSION_ALREADY_EXISTS', `Session ${sessionId} already exists; reschedule it instead.`);
      }
      const { data } = command;
      const title = requireTitle('session', data.title);
      return [
        {
          type: 'SessionScheduled',
          data: {
            sessionId,
            roomId: requireId('roomId', data.roomId),
            title,
            startsAt: requireFutureStart(data.startsAt, at),
            headlinerUserId: requireId('headlinerUserId', data.headlinerUserId),
            expectedAudience: wholeNumber('expectedAudience', data.expectedAudience, 0, MAX_AUDIENCE),
            leadTimeMs: wholeNumber('leadTimeMs', data.leadTimeMs ?? DEFAULT_LEAD_TIME_MS, 0, MAX_LEAD_TIME_MS),
            capacity: wholeNumber('capacity', data.capacity ?? DEFAULT_CAPACITY, 1, MAX_CAPACITY),
            ...(data.drainAfterMs === undefined
              ? {}
              : { drainAfterMs: wholeNumber('drainAfterMs', data.drainAfterMs, 0, MAX_LEAD_TIME_MS) }),
            by: actor,
          },
        },
      ];
    }
    case 'RescheduleSession': {
      requireScheduledBy(state, actor, 'reschedule');
      requireWaiting(state, 'be rescheduled');
      const startsAt = requireFutureStart(command.data.startsAt, at);
      const leadTimeMs =
        command.data.leadTimeMs === undefined
          ? context.leadTimeMs
          : wholeNumber('leadTimeMs', command.data.leadTimeMs, 0, MAX_LEAD_TIME_MS);
      if (startsAt === context.startsAt && leadTimeMs === context.leadTimeMs) return [];
      return [{ type: 'SessionRescheduled', data: { sessionId, startsAt, leadTimeMs } }];
    }
    case 'CancelSession': {
      requireScheduledBy(state, actor, 'cancel');
      requireWaiting(state, 'be cancelled');
      const reason = command.data.reason?.trim() ?? '';
      if (reason.length > 500) throw invalidCommand('A cancellation reason has at most 500 characters.');
      return [{ type: 'SessionCancelled', data: { sessionId, by: actor, reason: reason.length > 0 ? reason : null } }];
    }
    case 'PrewarmSession': {
      if (status === 'prewarmed' || status === 'opened') return [];
      requireWaiting(state, 'be prewarmed');
      requireDue(state, 'prewarm', at);
      const overflowRoomsWarmed = overflowRoomsFor(context.expectedAudience, context.capacity);
      return [{ type: 'SessionPrewarmed', data: { sessionId, roomId: context.roomId, overflowRoomsWarmed } }];
    }
    case 'OpenSession': {
      if (status === 'opened') return [];
      requireWaiting(state, 'open');
      requireDue(state, 'open', at);
      return [{ type: 'SessionOpened', data: { sessionId, roomId: context.roomId } }];
    }
    case 'EndSessionWarmUp': {
      if (status === 'cancelled') requireWaiting(state, 'end its warm-up');
      if (status !== 'opened') {
        throw new DomainError(
          'SESSION_NOT_DUE',
          `Session ${sessionId} has not opened its room yet, so its warm-up cannot end; it ends ${context.drainAfterMs ?? 0} ms after the doors open.`,
        );
      }
      if (context.warmUpEnded || context.drainAfterMs === null) return [];
      requireDue(state, 'drain', at);
      return [{ type: 'SessionWarmUpEnded', data: { sessionId, roomId: context.roomId } }];
    }
    default: {
      const unknown: never = command;
      throw invalidCommand(`Unknown command ${JSON.stringify((unknown as { type?: unknown }).type)}.`);
    }
  }
};

/**
 * Decides a command and applies its events, accepting each only if the
 * machine can take it in the state reached so far.
 */
export const executeSession = (
  state: SessionState,
  command: SessionCommand,
): { state: SessionState; events: SessionEvent[] } => {
  const events = decideSession(state, command);
  let next = state;
  for (const event of events) {
    if (!next.can(event)) {
      throw new DomainError(
        'TRANSITION_REFUSED',
        `Session ${event.data.sessionId} cannot record ${event.type} in its current state; reload it and try again.`,
      );
    }
    next = evolveSession(next, event);
  }
  return { state: next, events };
};
