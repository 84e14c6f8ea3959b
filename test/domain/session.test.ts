import { describe, expect, it } from 'vitest';
import { deciderSpec } from './given.ts';
import {
  evolveSession,
  executeSession,
  initialSessionState,
  sessionDueAt,
  sessionStatus,
  type CommandMetadata,
  type SessionCommand,
  type SessionEvent,
  type SessionState,
} from '../../src/domain/index.ts';

const AT = '2026-11-28T21:00:00.000Z';
const STARTS_AT = '2026-11-28T22:00:00.000Z';
const PREWARM_AT = '2026-11-28T21:45:00.000Z';
const at = (time: string, actor = 'producer'): CommandMetadata => ({ actor, at: time });

const replaySession = (events: SessionEvent[]): SessionState => events.reduce(evolveSession, initialSessionState());

const givenSession = deciderSpec<SessionEvent, SessionCommand, SessionState>(
  (events) => replaySession(events),
  executeSession,
);

const scheduledData = {
  sessionId: 's1',
  roomId: 'r',
  title: 'Night with a star',
  startsAt: STARTS_AT,
  headlinerUserId: 'star',
  expectedAudience: 12_000,
  leadTimeMs: 15 * 60_000,
  capacity: 5000,
  by: 'producer',
};
const scheduled: SessionEvent = { type: 'SessionScheduled', data: scheduledData };
const { by: _by, ...asScheduled } = scheduledData;

const schedule = (overrides: Partial<Extract<SessionCommand, { type: 'ScheduleSession' }>['data']> = {}) =>
  ({
    type: 'ScheduleSession',
    data: { ...asScheduled, ...overrides },
    metadata: at(AT),
  }) as const;
const prewarmed: SessionEvent = {
  type: 'SessionPrewarmed',
  data: { sessionId: 's1', roomId: 'r', overflowRoomsWarmed: 2 },
};
const opened: SessionEvent = { type: 'SessionOpened', data: { sessionId: 's1', roomId: 'r' } };
const cancelled: SessionEvent = { type: 'SessionCancelled', data: { sessionId: 's1', by: 'producer', reason: null } };
const prewarm = (time: string): SessionCommand => ({
  type: 'PrewarmSession',
  data: { sessionId: 's1' },
  metadata: at(time, 'scheduler'),
});
const open = (time: string): SessionCommand => ({
  type: 'OpenSession',
  data: { sessionId: 's1' },
  metadata: at(time, 'scheduler'),
});
const reschedule = (startsAt: string, leadTimeMs?: number): SessionCommand => ({
  type: 'RescheduleSession',
  data: leadTimeMs === undefined ? { sessionId: 's1', startsAt } : { sessionId: 's1', startsAt, leadTimeMs },
  metadata: at(AT),
});
const cancel = (reason?: string): SessionCommand => ({
  type: 'CancelSession',
  data: reason === undefined ? { sessionId: 's1' } : { sessionId: 's1', reason },
  metadata: at(AT),
});

describe('ScheduleSession', () => {
  it('schedules a session; the producer who scheduled it is remembered for the scheduler to act as', () => {
    const state = givenSession().when(schedule()).then([scheduled]);
    expect(sessionStatus(state)).toBe('scheduled');
    expect(state.context.scheduledBy).toBe('producer');
  });

  it('defaults the lead time to 15 minutes and the capacity to 5,000, and stores times in UTC', () => {
    const { leadTimeMs: _l, capacity: _c, ...rest } = schedule().data;
    givenSession()
      .when({ type: 'ScheduleSession', data: { ...rest, startsAt: '2026-11-28T23:00:00+01:00' }, metadata: at(AT) })
      .then([scheduled]);
  });

  it('refuses a start that is not after the command time, naming it', () => {
    givenSession()
      .when(schedule({ startsAt: AT }))
      .thenThrows('INVALID_COMMAND', /startsAt .* is not after/);
    givenSession()
      .when(schedule({ startsAt: '2026-11-28T20:00:00.000Z' }))
      .thenThrows('INVALID_COMMAND', /startsAt/);
  });

  it('refuses a start that is not an ISO time', () => {
    givenSession()
      .when(schedule({ startsAt: 'tomorrow' }))
      .thenThrows('INVALID_COMMAND', /ISO 8601/);
  });

  it('refuses a negative or fractional expected audience', () => {
    givenSession()
      .when(schedule({ expectedAudience: -1 }))
      .thenThrows('INVALID_COMMAND', /expectedAudience/);
    givenSession()
      .when(schedule({ expectedAudience: 1.5 }))
      .thenThrows('INVALID_COMMAND', /expectedAudience/);
  });

  it('refuses a bad lead time, capacity, room id or empty title', () => {
    givenSession()
      .when(schedule({ leadTimeMs: -5 }))
      .thenThrows('INVALID_COMMAND', /leadTimeMs/);
    givenSession()
      .when(schedule({ capacity: 0 }))
      .thenThrows('INVALID_COMMAND', /capacity/);
    givenSession()
      .when(schedule({ roomId: 'r.overflow-1' }))
      .thenThrows('INVALID_COMMAND', /roomId/);
    givenSession()
      .when(schedule({ title: '  ' }))
      .thenThrows('INVALID_COMMAND', /title/);
  });

  it('refuses a session id with characters a job id or stream name cannot carry', () => {
    givenSession()
      .when(schedule({ sessionId: 'a:b' }))
      .thenThrows('INVALID_COMMAND', /sessionId/);
  });

  it('refuses to schedule the same session twice', () => {
    givenSession(scheduled).when(schedule()).thenThrows('SESSION_ALREADY_EXISTS');
  });
});

describe('RescheduleSession', () => {
  it('moves the start, keeping the lead time when none is given', () => {
    const state = givenSession(scheduled)
      .when(reschedule('2026-11-29T22:00:00.000Z'))
      .then([
        {
          type: 'SessionRescheduled',
          data: { sessionId: 's1', startsAt: '2026-11-29T22:00:00.000Z', leadTimeMs: 15 * 60_000 },
        },
      ]);
    expect(state.context.startsAt).toBe('2026-11-29T22:00:00.000Z');
  });

  it('after a warm-up, goes back to scheduled so the warm-up happens again for the new time', () => {
    const state = givenSession(scheduled, prewarmed)
      .when(reschedule('2026-11-29T22:00:00.000Z', 60_000))
      .then([
        {
          type: 'SessionRescheduled',
          data: { sessionId: 's1', startsAt: '2026-11-29T22:00:00.000Z', leadTimeMs: 60_000 },
        },
      ]);
    expect(sessionStatus(state)).toBe('scheduled');
    expect(state.context.overflowRoomsWarmed).toBeNull();
  });

  it('changes nothing when the time and lead time are the same', () => {
    givenSession(scheduled).when(reschedule(STARTS_AT)).then([]);
  });

  it('refuses a new start that is not after the command time', () => {
    givenSession(scheduled)
      .when(reschedule(AT))
      .thenThrows('INVALID_COMMAND', /startsAt/);
  });

  it('refuses an unknown, cancelled or opened session', () => {
    givenSession().when(reschedule(STARTS_AT)).thenThrows('SESSION_NOT_FOUND');
    givenSession(scheduled, cancelled).when(reschedule(STARTS_AT)).thenThrows('SESSION_CANCELLED');
    givenSession(scheduled, opened).when(reschedule(STARTS_AT)).thenThrows('SESSION_ALREADY_OPENED');
  });
});

describe('CancelSession', () => {
  it('cancels a scheduled or prewarmed session, with an optional reason', () => {
    givenSession(scheduled).when(cancel()).then([cancelled]);
    const state = givenSession(scheduled, prewarmed)
      .when(cancel('headliner is ill'))
      .then([{ type: 'SessionCancelled', data: { sessionId: 's1', by: 'producer', reason: 'headliner is ill' } }]);
    expect(sessionStatus(state)).toBe('cancelled');
  });

  it('refuses an unknown, cancelled or opened session', () => {
    givenSession().when(cancel()).thenThrows('SESSION_NOT_FOUND');
    givenSession(scheduled, cancelled).when(cancel()).thenThrows('SESSION_CANCELLED');
    givenSession(scheduled, opened).when(cancel()).thenThrows('SESSION_ALREADY_OPENED');
  });
});

describe('who may change a session', () => {
  it('refuses a reschedule or a cancel by a producer other than the one who scheduled it', () => {
    const byOther = (command: SessionCommand): SessionCommand => ({ ...command, metadata: at(AT, 'rival') });
    givenSession(scheduled)
      .when(byOther(reschedule('2026-11-28T23:00:00.000Z')))
      .thenThrows(
        'NOT_THE_SESSION_PRODUCER',
        /Only producer, who scheduled session s1, can reschedule it; rival did not/,
      );
    givenSession(scheduled, prewarmed)
      .when(byOther(cancel('mine now')))
      .thenThrows('NOT_THE_SESSION_PRODUCER', /Only producer, who scheduled session s1, can cancel it/);
  });
});

describe('PrewarmSession', () => {
  it('records the overflow rooms the expected audience needs: ceil(12,000 / 5,000) − 1 = 2', () => {
    const state = givenSession(scheduled).when(prewarm(PREWARM_AT)).then([prewarmed]);
    expect(sessionStatus(state)).toBe('prewarmed');
  });

  it('warms no overflow room when the audience fits the main room', () => {
    givenSession({ ...scheduled, data: { ...scheduled.data, expectedAudience: 0 } })
      .when(prewarm(PREWARM_AT))
      .then([{ type: 'SessionPrewarmed', data: { sessionId: 's1', roomId: 'r', overflowRoomsWarmed: 0 } }]);
    givenSession({ ...scheduled, data: { ...scheduled.data, expectedAudience: 5000 } })
      .when(prewarm(PREWARM_AT))
      .then([{ type: 'SessionPrewarmed', data: { sessionId: 's1', roomId: 'r', overflowRoomsWarmed: 0 } }]);
  });

  it('is idempotent: a second delivery, or one after the room opened, changes nothing', () => {
    givenSession(scheduled, prewarmed).when(prewarm(PREWARM_AT)).then([]);
    givenSession(scheduled, opened).when(prewarm(STARTS_AT)).then([]);
  });

  it('refuses to warm up before startsAt − leadTime', () => {
    givenSession(scheduled)
      .when(prewarm(AT))
      .thenThrows('SESSION_NOT_DUE', /due to prewarm at 2026-11-28T21:45:00.000Z/);
  });

  it('refuses an unknown or cancelled session', () => {
    givenSession().when(prewarm(PREWARM_AT)).thenThrows('SESSION_NOT_FOUND');
    givenSession(scheduled, cancelled).when(prewarm(PREWARM_AT)).thenThrows('SESSION_CANCELLED');
  });
});

describe('OpenSession', () => {
  it('opens at startsAt, prewarmed or not', () => {
    givenSession(scheduled, prewarmed).when(open(STARTS_AT)).then([opened]);
    const state = givenSession(scheduled).when(open('2026-11-28T22:00:01.000Z')).then([opened]);
    expect(sessionStatus(state)).toBe('opened');
  });

  it('is idempotent: a second delivery changes nothing', () => {
    givenSession(scheduled, prewarmed, opened).when(open(STARTS_AT)).then([]);
  });

  it('refuses to open before startsAt (a stale job from before a reschedule)', () => {
    givenSession(scheduled, prewarmed)
      .when(open(PREWARM_AT))
      .thenThrows('SESSION_NOT_DUE', /due to open/);
  });

  it('refuses an unknown or cancelled session', () => {
    givenSession().when(open(STARTS_AT)).thenThrows('SESSION_NOT_FOUND');
    givenSession(scheduled, cancelled).when(open(STARTS_AT)).thenThrows('SESSION_CANCELLED');
  });
});

describe('the session machine', () => {
  it('accepts only events of its own session', () => {
    const state = replaySession([scheduled]);
    expect(state.can({ type: 'SessionOpened', data: { sessionId: 'other', roomId: 'r' } })).toBe(false);
    expect(state.can(opened)).toBe(true);
  });

  it('takes nothing once cancelled, and only the end of the warm-up once opened', () => {
    const warmUpEnded: SessionEvent = { type: 'SessionWarmUpEnded', data: { sessionId: 's1', roomId: 'r' } };
    for (const end of [opened, cancelled]) {
      const state = replaySession([scheduled, end]);
      expect(state.can(prewarmed)).toBe(false);
      expect(state.can(cancelled)).toBe(false);
      expect(state.can(opened)).toBe(false);
      expect(state.can(warmUpEnded)).toBe(end === opened);
    }
    expect(replaySession([scheduled, cancelled]).status).toBe('done');
    expect(replaySession([scheduled, opened, warmUpEnded]).context.warmUpEnded).toBe(true);
  });

  it('refuses a command naming another session than the stream it is sent to', () => {
    givenSession(scheduled)
      .when({ type: 'OpenSession', data: { sessionId: 's2' }, metadata: at(STARTS_AT) })
      .thenThrows('INVALID_COMMAND', /session s1/);
  });
});

describe('EndSessionWarmUp', () => {
  const DRAIN_AT = '2026-11-28T22:10:00.000Z';
  const withDrain: SessionEvent = {
    type: 'SessionScheduled',
    data: { ...scheduledData, drainAfterMs: 600_000 },
  };
  const endWarmUp = (time: string): SessionCommand => ({
    type: 'EndSessionWarmUp',
    data: { sessionId: 's1' },
    metadata: at(time, 'scheduler'),
  });
  const warmUpEnded: SessionEvent = { type: 'SessionWarmUpEnded', data: { sessionId: 's1', roomId: 'r' } };

  it('records the drain step a session was scheduled with', () => {
    givenSession()
      .when(schedule({ drainAfterMs: 600_000 }))
      .then([withDrain]);
    expect(sessionDueAt({ startsAt: STARTS_AT, leadTimeMs: 0, drainAfterMs: 600_000 }, 'drain')).toBe(
      Date.parse(DRAIN_AT),
    );
  });

  it('ends the warm-up once, drainAfterMs after the doors opened', () => {
    givenSession(withDrain, opened).when(endWarmUp(STARTS_AT)).thenThrows('SESSION_NOT_DUE');
    givenSession(withDrain, opened).when(endWarmUp(DRAIN_AT)).then([warmUpEnded]);
    givenSession(withDrain, opened, warmUpEnded).when(endWarmUp(DRAIN_AT)).then([]);
  });

  it('waits for the doors, and has nothing to do for a session without the step', () => {
    givenSession(withDrain)
      .when(endWarmUp(DRAIN_AT))
      .thenThrows('SESSION_NOT_DUE', /has not opened/);
    givenSession(scheduled, opened).when(endWarmUp(DRAIN_AT)).then([]);
    givenSession(withDrain, cancelled).when(endWarmUp(DRAIN_AT)).thenThrows('SESSION_CANCELLED');
  });
});
