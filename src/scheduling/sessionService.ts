import {
  sessionStatus,
  type CancelSession,
  type CommandMetadata,
  type RescheduleSession,
  type ScheduleSession,
  type SessionState,
} from '../domain/index.ts';
import type { SessionCommandResult, SessionCommands } from '../commands/index.ts';
import type { SessionScheduler, SessionTimes } from './types.ts';

/** What the scheduler needs of a session's state. */
export const sessionTimesOf = (state: SessionState): SessionTimes => {
  const status = sessionStatus(state);
  if (status === 'idle') throw new TypeError('A session that was never scheduled has no times.');
  const { sessionId, startsAt, leadTimeMs } = state.context;
  return { sessionId, startsAt, leadTimeMs, status };
};

/**
 * The producer's three mutations: each records its command, then moves the
 * session's jobs to match the state it left. The log is the truth: if the
 * process dies between the two, `resync` at the next start makes the jobs
 * match again. Producer-only is the caller's check (token roles).
 */
export const createSessionService = (deps: {
  readonly sessions: Pick<SessionCommands, 'send'>;
  readonly scheduler: Pick<SessionScheduler, 'schedule' | 'unschedule'>;
}) => {
  const sendAndSync = async (
    command: ScheduleSession | RescheduleSession | CancelSession,
  ): Promise<SessionCommandResult> => {
    const result = await deps.sessions.send(command);
    const times = sessionTimesOf(result.state);
    if (times.status === 'cancelled') await deps.scheduler.unschedule(times.sessionId);
    else await deps.scheduler.schedule(times);
    return result;
  };

  return {
    scheduleSession: (data: ScheduleSession['data'], metadata: CommandMetadata) =>
      sendAndSync({ type: 'ScheduleSession', data, metadata }),
    rescheduleSession: (data: RescheduleSession['data'], metadata: CommandMetadata) =>
      sendAndSync({ type: 'RescheduleSession', data, metadata }),
    cancelSession: (data: CancelSession['data'], metadata: CommandMetadata) =>
      sendAndSync({ type: 'CancelSession', data, metadata }),
  };
};

export type SessionService = ReturnType<typeof createSessionService>;
