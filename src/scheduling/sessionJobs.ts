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
 * Told once the family is shaped for the crowd (the warm room and its
 * overflow rooms are in the log, at `position`), before SessionPrewarmed is
 * recorded: `serve` waits there until media has made the routers the
 * capacity plan asks for. Called again when a job is retried, so it must be
 * idempotent (the media reconciler is).
 */
export type WarmHook = (roomId: string, expectedAudience: number, position: bigint) => Promise<void>;

/** The part of the room command path the open job uses (`createRoomCommands(...)` fits). */
export interface RoomDoor {
  send(command: RoomCommand): Promise<{ readonly position: bigint }>;
  load(roomId: string): Promise<{ readonly state: RoomState }>;
}

export interface SessionJobDeps {
  readonly sessions: Pick<SessionCommands, 'send' | 'load'>;
  readonly rooms: RoomDoor;
  /** Default: nothing to wait for (the media plane follows the capacity plan on its own). */
  readonly warm?: WarmHook;
  /** The clock: jobs put the time they run into the commands' metadata. Default `() => new Date()`. */
  readonly now?: () => Date;
}

const done = (detail: string): JobOutcome => ({ outcome: 'done', detail });
const skipped = (reason: string): JobOutcome => ({ outcome: 'skipped', reason });
/** The session command that records each step done. */
const COMMAND_OF: Record<SessionStep, 'PrewarmSession' | 'OpenSession' | 'EndSessionWarmUp'> = {
  prewarm: 'PrewarmSession',
  open: 'OpenSession',
  drain: 'EndSessionWarmUp',
};
/** How long a drain delivered before its doors opened waits before it looks again. */
const DOORS_NOT_OPEN_RETRY_MS = 5000;
/** Refusals that leave a room as the prewarm found it (ended; opened by someone who is not the producer). */
const ROOM_NOT_WARMABLE: ReadonlySet<string> = new Set(['ROOM_ENDED', 'NOT_A_MODERATOR']);

/**
 * What the scheduler's jobs do. Each step reads the session first and does
 * only what is left, so a job delivered twice, or retried after a crash
 * half-way, changes nothing that was already done:
 *
 * - prewarm: shape the family for the expected audience as the producer
 *   (PrewarmRoom: the room opens with its doors closed, the overflow rooms
 *   it needs are spawned, all marked prewarmed), let the hook wait for media,
 *   then record SessionPrewarmed. No listener is admitted yet.
 * - open: open the room as the producer who scheduled the session, with its
 *   title and capacity (unless it is live already), open its doors if it was
 *   prewarmed, announce the headliner (unless already announced), then
 *   record SessionOpened, the mark that the whole step is done.
 * - drain: `drainAfterMs` after the doors opened, end the family's warm-up
 *   (EndWarmUp: the warm rooms nobody sat in drain and close), then record
 *   SessionWarmUpEnded.
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
        if (step !== 'drain') return skipped(`session ${sessionId} has already opened`);
        if (loaded.state.context.warmUpEnded) return skipped(`session ${sessionId} has already ended its warm-up`);
        if (loaded.state.context.drainAfterMs === null) return skipped(`session ${sessionId} has no warm-up to end`);
        break;
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
    if (at.getTime() < dueAt) return { outcome: 'notDue', dueAt };
    // The warm-up ends after the doors opened: a drain ahead of a late open waits for it.
    if (step === 'drain' && status !== 'opened')
      return { outcome: 'notDue', dueAt: at.getTime() + DOORS_NOT_OPEN_RETRY_MS };
    return { loaded, at };
  };

  /** Sends a step's session command; a race lost to a reschedule becomes `notDue`, to a cancel `skipped`. */
  const record = async (context: SessionContext, step: SessionStep, at: Date, detail: string): Promise<JobOutcome> => {
    try {
      await deps.sessions.send({
        type: COMMAND_OF[step],
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
      const { roomId, title, capacity, expectedAudience } = context;
      const metadata = metadataFor(context, 'prewarm', ready.at);
      let position = -1n;
      try {
        ({ position } = await deps.rooms.send({
          type: 'PrewarmRoom',
          data: { roomId, title, capacity, expectedAudience },
          metadata,
        }));
      } catch (error) {
        // A room that ended, or someone else's, is not this session's to shape: the open step says so.
        if (!(error instanceof DomainError && ROOM_NOT_WARMABLE.has(error.code))) throw error;
      }
      await warm(roomId, expectedAudience, position);
      return record(context, 'prewarm', ready.at, `warmed room ${roomId} for ${expectedAudience}`);
    },

    async drain(sessionId) {
      const ready = await readyFor(sessionId, 'drain');
      if ('outcome' in ready) return ready;
      const { context } = ready.loaded.state;
      const { roomId } = context;
      try {
        await deps.rooms.send({
          type: 'EndWarmUp',
          data: { roomId },
          metadata: metadataFor(context, 'drain', ready.at),
        });
      } catch (error) {
        // Ended already (its rooms with it): nothing warm is left.
        if (!(error instanceof DomainError && error.code === 'ROOM_ENDED')) throw error;
      }
      return record(context, 'drain', ready.at, `ended the warm-up of room ${roomId}`);
    },

    async open(sessionId) {
      const ready = await readyFor(sessionId, 'open');
      if ('outcome' in ready) return ready;
      const { context } = ready.loaded.state;
      const metadata = metadataFor(context, 'open', ready.at);
      const { roomId } = context;
      let room = await deps.rooms.load(roomId);
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
        }
        room = await deps.rooms.load(roomId);
      }
      const { headliner, doorsOpen } = room.state.snapshot.context;
      if (!doorsOpen) await deps.rooms.send({ type: 'OpenDoors', data: { roomId }, metadata });
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
