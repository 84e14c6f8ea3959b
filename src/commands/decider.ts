import type { CommandMetadata } from '../domain/index.ts';
import type { RecordedEvent } from '../eventstore/index.ts';
import { UnknownEventError } from './errors.ts';

/** An event as a decider records it. */
export interface DomainEvent {
  readonly type: string;
  readonly data: unknown;
}

/** What the command path needs of a domain's decider (after emmett's `Decider`), and how its streams are named. */
export interface Decider<Command, Event extends DomainEvent, State> {
  /** What a stream holds, for sentences: "Room", "Session". */
  readonly kind: string;
  readonly streamIdOf: (id: string) => string;
  readonly initialState: () => State;
  readonly evolve: (state: State, event: Event) => State;
  readonly isEvent: (event: { type: string }) => event is Event;
  /** Decides a command and applies its events (the domain's `execute`); throws a DomainError to refuse. */
  readonly execute: (state: State, command: Command) => { state: State; events: Event[] };
  /** How a long stream's state is cached as a snapshot; absent, the stream is folded from its start. */
  readonly snapshots?: {
    readonly toData: (state: State) => unknown;
    /** The state a snapshot holds, or undefined for a format this version does not read. */
    readonly fromData: (data: unknown) => State | undefined;
  };
}

/** Any command: who, when, and what. */
export interface AnyCommand {
  readonly type: string;
  readonly metadata: CommandMetadata;
}

/** The domain event a recorded one is, or an error naming a type this version does not know. */
export const eventOf = <Event extends DomainEvent>(
  isEvent: (event: { type: string }) => event is Event,
  recorded: RecordedEvent,
): Event => {
  const event = { type: recorded.type, data: recorded.data };
  if (!isEvent(event)) throw new UnknownEventError(recorded.streamId, recorded.type);
  return event;
};

/** The metadata every recorded event carries: who, when, and which command caused it. */
export const metadataOf = (command: AnyCommand, commandId: string): Record<string, unknown> => ({
  actor: command.metadata.actor,
  occurredAt: command.metadata.at,
  correlationId: command.metadata.correlationId ?? commandId,
  causationId: commandId,
  command: command.type,
  schemaVersion: 1,
});
