import type { SessionCommand, SessionEvent, SessionState } from '../domain/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import { createCommandHandler, type CommandHandlerOptions, type Loaded } from './commandHandler.ts';
import { sessionDecider } from './deciders.ts';

/** A session as read from its stream: the state and the revision it reflects (-1n: no stream). */
export type LoadedSession = Loaded<SessionState>;

export interface SessionCommandResult {
  readonly sessionId: string;
  readonly events: readonly SessionEvent[];
  /** The state after the command (the same as before when it decided nothing). */
  readonly state: SessionState;
  /** The log position a reader must reach to see the events (-1n when nothing was recorded). */
  readonly position: bigint;
}

export type SessionCommandOptions = CommandHandlerOptions;

/**
 * The session command path: the one command handler, without a mailbox.
 * Sessions see a few commands each, from a producer and from the scheduler,
 * so a conflict (the scheduler and a producer at once, or two scheduler
 * nodes) just reloads and decides again, a bounded number of times.
 */
export const createSessionCommands = (store: EventStore, options: SessionCommandOptions = {}) => {
  const handler = createCommandHandler(store, sessionDecider, options);
  return {
    /** Decides and records a command; resolves once its events are in the log, or rejects with a DomainError. */
    async send(command: SessionCommand): Promise<SessionCommandResult> {
      const sessionId = command.data.sessionId;
      const { events, state, position } = await handler.handle(sessionId, command);
      return { sessionId, events, state, position };
    },

    load: (sessionId: string): Promise<LoadedSession> => handler.load(sessionId),
  };
};

export type SessionCommands = ReturnType<typeof createSessionCommands>;
