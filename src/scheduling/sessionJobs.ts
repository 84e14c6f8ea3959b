import {
  DomainError,
  roomStatus,
  sessionDueAt,
  sessionNotFound,
  sessionStatus,
  type CommandMetadata,
  type RoomCommand,
  type RoomState,
  type SessionContext,
  type SessionStep,
} from '../domain/index.ts';
import type { LoadedSession, SessionCommands } from '../commands/index.ts';
import { sessionJobId, type JobOutcome, type SessionJobHandlers } from './types.ts';

/**
 * Asks the media plane for capacity ahead of a crowd: routers for the room and
 * the overflow rooms `expectedAudience` will need. Called again when a job is
 * retried, so it must be idempotent (the media reconciler is).
 */
export type WarmHook = (roomId: string, expectedAudience: number) => Promise<void>;

/** The part of the room command path the open job uses (`createRoomCommands(...)` fits). */
export interface RoomDoor {
  send(command: RoomCommand): Promise<unknown>;
  load(roomId: string): Promise<{ readonly state: RoomState }>;
}

export interface SessionJobDeps {
  readonly sessions: Pick<SessionCommands, 'send' | 'load'>;
  readonly rooms: RoomDoor;
  /** Default: nothing to warm (the media plane follows the capacity plan on its own). */
  readonly warm?: WarmHook;
  /** The clock: jobs put the time they run into the commands' metadata. Default `() => new Date()`. */
  readonly now?: () => Date;
}

const done = (detail: string): JobOutcome => ({ outcome: 'done', detail });
const skipped = (reason: string): JobOutcome => ({ outcome: 'skipped', reason });

/**
 * What the scheduler's jobs do. Each step reads the session first and does
 * only what is left, so a job delivered twice, or retried after a crash
 * half-way, changes nothing that was already done:
 *
 * - prewarm: warm capacity through the hook, then record SessionPrewarmed
 *   (with the overflow rooms the audience needs). It does not open the room.
 * - open: open the room as the producer who scheduled the session, with its
 *   title and capacity (unless it is live already), announce the headliner
 *   (unless already announced), then record SessionOpened, the mark that the
 *   whole step is done.
 *
 * A job that runs before its step is due (left over from before a
 * reschedule) answers `notDue` and the scheduler runs it again then.
 */
export const createSessionJobHandlers = (deps: SessionJobDeps): SessionJobHandlers => {
  const now = deps.now ?? (() => new Date());
  const warm = deps.warm ?? (async () => undefined);

  const metadataFor = (context: SessionContext, step: SessionStep, at: Date): CommandMetadata => ({
    actor: context.scheduledBy,
    at: at.toISOString(),
    correlationId: sessionJobId(context.sessionId, step),
  });

  /** Loads the session and says whether `step` has anything left to do, and when. */
  const readyFor = async (
    sessionId: string,
    step: SessionStep,
  ): Promise<{ loaded: LoadedSession; at: Date } | JobOutcome> => {
    const loaded = await deps.sessions.load(sessionId);
    const status = sessionStatus(loaded.state);
    switch (status) {
      case 'idle':
        throw sessionNotFound(sessionId);
      case 'cancelled':
        return skipped(`session ${sessionId} was cancelled`);
      case 'opened':
        return skipped(`session ${sessionId} has already opened`);
      case 'prewarmed':
        if (step === 'prewarm') return skipped(`session ${sessionId} is already prewarmed`);
        break;
      case 'scheduled':
        break;
      default: {
        const unknown: never = status;
        throw new TypeError(`Unknown session status ${JSON.stringify(unknown)}.`);
      }
    }
    const at = now();
    const dueAt = sessionDueAt(loaded.state.context, step);
    return at.getTime() < dueAt ? { outcome: 'notDue', dueAt } : { loaded, at };
  };

  /** Sends a step's session command; a race lost to a reschedule becomes `notDue`, to a cancel `skipped`. */
  const record = async (context: SessionContext, step: SessionStep, at: Date, detail: string): Promise<JobOutcome> => {
    const type = step === 'prewarm' ? 'PrewarmSession' : 'OpenSession';
    try {
      await deps.sessions.send({
        type,
        data: { sessionId: context.sessionId },
        metadata: metadataFor(context, step, at),
      });
      return done(detail);
    } catch (error) {
      if (error instanceof DomainError && (error.code === 'SESSION_NOT_DUE' || error.code === 'SESSION_CANCELLED')) {
        const again = await readyFor(context.sessionId, step);
        if ('outcome' in again) return again;
      }
      throw error;
    }
  };

  return {
    async prewarm(sessionId) {
      const ready = await readyFor(sessionId, 'prewarm');
      if ('outcome' in ready) return ready;
      const { context } = ready.loaded.state;
      await warm(context.roomId, context.expectedAudience);
      return record(context, 'prewarm', ready.at, `warmed room ${context.roomId} for ${context.expectedAudience}`);
    },

    async open(sessionId) {
      const ready = await readyFor(sessionId, 'open');
      if ('outcome' in ready) return ready;
      const { context } = ready.loaded.state;
      const metadata = metadataFor(context, 'open', ready.at);
      const { roomId } = context;
      const room = await deps.rooms.load(roomId);
      let headliner = room.state.snapshot.context.headliner;
      if (roomStatus(room.state) !== 'live') {
        try {
          await deps.rooms.send({
            type: 'OpenRoom',
            data: { roomId, title: context.title, capacity: context.capacity },
            metadata,
          });
        } catch (error) {
          // Opened by someone else between the load and the send: the room is what this step wanted.
          if (!(error instanceof DomainError && error.code === 'ROOM_ALREADY_EXISTS')) throw error;
          headliner = (await deps.rooms.load(roomId)).state.snapshot.context.headliner;
        }
      }
      if (headliner?.userId !== context.headlinerUserId) {
        await deps.rooms.send({
          type: 'AnnounceHeadliner',
          data: { roomId, userId: context.headlinerUserId, expectedAudience: context.expectedAudience },
          metadata,
        });
      }
      return record(context, 'open', ready.at, `opened room ${roomId} with headliner ${context.headlinerUserId}`);
    },
  };
};
