import {
  roomStatus,
  sessionStatus,
  type CancelSession,
  type CommandMetadata,
  type RescheduleSession,
  type ScheduleSession,
  type SessionState,
} from '../domain/index.ts';
import type { SessionCommandResult, SessionCommands } from '../commands/index.ts';
import type { RoomDoor } from './sessionJobs.ts';
import type { SessionScheduler, SessionTimes } from './types.ts';

/** What the scheduler needs of a session's state. */
export const sessionTimesOf = (state: SessionState): SessionTimes => {
  const status = sessionStatus(state);
  if (status === 'idle') throw new TypeError('A session that was never scheduled has no times.');
  const { sessionId, startsAt, leadTimeMs, drainAfterMs, warmUpEnded } = state.context;
  return { sessionId, startsAt, leadTimeMs, status, drainAfterMs, warmUpEnded };
};

/**
 * The producer's three mutations: each records its command, then moves the
 * session's jobs to match the state it left. The log is the truth: if the
 * process dies between the two, `resync` at the next start makes the jobs
 * match again. Producer-only is the caller's check (token roles).
 *
 * A session is scheduled with the deployment's `drainAfterMs` (when given).
 * Cancelling a session whose room was prewarmed and never opened its doors
 * ends that room (and its warm overflow rooms) as the producer: nobody can
 * join it, and it holds media.
 */
export const createSessionService = (deps: {
  readonly sessions: Pick<SessionCommands, 'send'>;
  readonly scheduler: Pick<SessionScheduler, 'schedule' | 'unschedule'>;
  readonly rooms?: RoomDoor;
  readonly drainAfterMs?: number;
}) => {
  const endWarmRoom = async (state: SessionState, metadata: CommandMetadata): Promise<void> => {
    const { rooms } = deps;
    if (!rooms) return;
    const { roomId } = state.context;
    const room = await rooms.load(roomId);
    if (roomStatus(room.state) !== 'live' || room.state.snapshot.context.doorsOpen) return;
    await rooms.send({ type: 'EndRoom', data: { roomId }, metadata });
  };

  const sendAndSync = async (
    command: ScheduleSession | RescheduleSession | CancelSession,
  ): Promise<SessionCommandResult> => {
    const result = await deps.sessions.send(command);
    const times = sessionTimesOf(result.state);
    if (times.status === 'cancelled') {
      await deps.scheduler.unschedule(times.sessionId);
      await endWarmRoom(result.state, command.metadata);
    } else await deps.scheduler.schedule(times);
    return result;
  };

  return {
    scheduleSession: (data: ScheduleSession['data'], metadata: CommandMetadata) =>
      sendAndSync({
        type: 'ScheduleSession',
        data:
          deps.drainAfterMs === undefined ? data : { ...data, drainAfterMs: data.drainAfterMs ?? deps.drainAfterMs },
        metadata,
      }),
    rescheduleSession: (data: RescheduleSession['data'], metadata: CommandMetadata) =>
      sendAndSync({ type: 'RescheduleSession', data, metadata }),
    cancelSession: (data: CancelSession['data'], metadata: CommandMetadata) =>
      sendAndSync({ type: 'CancelSession', data, metadata }),
  };
};

export type SessionService = ReturnType<typeof createSessionService>;
