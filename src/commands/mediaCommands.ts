import { randomUUID } from 'node:crypto';
import {
  executeMediaNode,
  executeMediaPlacement,
  initialMediaNodeState,
  initialMediaPlacementState,
  evolveMediaNode,
  evolveMediaPlacement,
  isMediaNodeEvent,
  isMediaPlacementEvent,
  mediaNodeStreamId,
  mediaPlacementStreamId,
  type CommandMetadata,
} from '../domain/index.ts';
import { StreamNotFoundError, WrongExpectedRevisionError, type EventStore } from '../eventstore/index.ts';
import { UnknownRoomEventError } from './errors.ts';

interface Decider<State, Command, Event> {
  readonly streamOf: (command: Command) => string;
  readonly initial: () => State;
  readonly isEvent: (event: { type: string }) => event is Event & { type: string };
  readonly evolve: (state: State, event: Event) => State;
  readonly execute: (state: State, command: Command) => { events: Event[] };
}

/**
 * Load, decide, append with the revision decided on; on a conflict reload
 * and decide again (both media deciders are idempotent, so two API nodes
 * declaring the same loss record it once).
 */
const streamCommands =
  <State, Command extends { type: string; metadata: CommandMetadata }, Event extends { type: string; data: unknown }>(
    store: EventStore,
    decider: Decider<State, Command, Event>,
    maxRetries = 5,
  ) =>
  async (command: Command): Promise<{ events: readonly Event[]; position: bigint }> => {
    const streamId = decider.streamOf(command);
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
      let state = decider.initial();
      let revision = -1n;
      try {
        for (const recorded of await store.readStream(streamId)) {
          const event = { type: recorded.type, data: recorded.data };
          if (!decider.isEvent(event)) throw new UnknownRoomEventError(streamId, recorded.type);
          state = decider.evolve(state, event);
          revision = recorded.revision;
        }
      } catch (error) {
        if (!(error instanceof StreamNotFoundError)) throw error;
      }
      const { events } = decider.execute(state, command);
      if (events.length === 0) return { events, position: -1n };
      try {
        const result = await store.appendToStream(
          streamId,
          events.map((event) => ({ type: event.type, data: event.data, metadata })),
          { expectedRevision: revision < 0n ? 'no_stream' : revision },
        );
        return { events, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= maxRetries) throw error;
      }
    }
  };

/** The command paths of media nodes' membership and of room media placement. */
export const createMediaCommands = (store: EventStore) => ({
  node: streamCommands(store, {
    streamOf: (command) => mediaNodeStreamId(command.data.nodeId),
    initial: initialMediaNodeState,
    isEvent: isMediaNodeEvent,
    evolve: evolveMediaNode,
    execute: executeMediaNode,
  }),
  placement: streamCommands(store, {
    streamOf: (command) => mediaPlacementStreamId(command.data.familyId),
    initial: initialMediaPlacementState,
    isEvent: isMediaPlacementEvent,
    evolve: evolveMediaPlacement,
    execute: executeMediaPlacement,
  }),
});

export type MediaCommands = ReturnType<typeof createMediaCommands>;
