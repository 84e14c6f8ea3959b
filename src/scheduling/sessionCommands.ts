import { randomUUID } from 'node:crypto';
import {
  executeSession,
  initialSessionState,
  evolveSession,
  isSessionEvent,
  sessionStreamId,
  type SessionCommand,
  type SessionEvent,
  type SessionState,
} from '../domain/index.ts';
import { StreamNotFoundError, WrongExpectedRevisionError, type EventStore } from '../eventstore/index.ts';
import { SessionConflictError, UnknownSessionEventError } from './errors.ts';

/** A session as read from its stream: the state and the revision it reflects (-1n: no stream). */
export interface LoadedSession {
  readonly state: SessionState;
  readonly revision: bigint;
}

export interface SessionCommandResult {
  readonly sessionId: string;
  readonly events: readonly SessionEvent[];
  /** The state after the command (the same as before when it decided nothing). */
  readonly state: SessionState;
  /** The log position a reader must reach to see the events (-1n when nothing was recorded). */
  readonly position: bigint;
}

export interface SessionCommandOptions {
  /** Reload-and-retry rounds after another writer appended first. Default 5. */
  readonly maxRetries?: number;
}

/** Reads a session's stream and folds it. Session streams are short (a handful of events): no snapshots. */
export const loadSession = async (store: EventStore, sessionId: string): Promise<LoadedSession> => {
  const streamId = sessionStreamId(sessionId);
  let state = initialSessionState();
  let revision = -1n;
  try {
    for (const recorded of await store.readStream(streamId)) {
      const event = { type: recorded.type, data: recorded.data };
      if (!isSessionEvent(event)) throw new UnknownSessionEventError(streamId, recorded.type);
      state = evolveSession(state, event);
      revision = recorded.revision;
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return { state: initialSessionState(), revision: -1n };
    throw error;
  }
  return { state, revision };
};

/**
 * The session command path: load the stream, decide, append with the
 * revision it was decided on. Sessions see a few commands each, from a
 * producer and from the scheduler, so there is no mailbox: a conflict (the
 * scheduler and a producer at once, or two scheduler nodes) reloads and
 * decides again, a bounded number of times.
 */
export const createSessionCommands = (store: EventStore, options: SessionCommandOptions = {}) => {
  const maxRetries = options.maxRetries ?? 5;

  return {
    /** Decides and records a command; resolves once its events are in the log, or rejects with a DomainError. */
    async send(command: SessionCommand): Promise<SessionCommandResult> {
      const sessionId = command.data.sessionId;
      const commandId = randomUUID();
      const metadata = {
        actor: command.metadata.actor,
        occurredAt: command.metadata.at,
        correlationId: command.metadata.correlationId ?? commandId,
        causationId: commandId,
        command: command.type,
        schemaVersion: 1,
      };
      for (let attempt = 1; ; attempt += 1) {
        const loaded = await loadSession(store, sessionId);
        const { state, events } = executeSession(loaded.state, command);
        if (events.length === 0) return { sessionId, events, state, position: -1n };
        try {
          const result = await store.appendToStream(
            sessionStreamId(sessionId),
            events.map((event) => ({ type: event.type, data: event.data, metadata })),
            { expectedRevision: loaded.revision < 0n ? 'no_stream' : loaded.revision },
          );
          return { sessionId, events, state, position: result.position };
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          if (attempt >= maxRetries) throw new SessionConflictError(sessionId, attempt);
        }
      }
    },

    load: (sessionId: string): Promise<LoadedSession> => loadSession(store, sessionId),
  };
};

export type SessionCommands = ReturnType<typeof createSessionCommands>;
