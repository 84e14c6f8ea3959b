import { randomUUID } from 'node:crypto';
import {
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type EventStore,
  type RecordedEvent,
  type SnapshotStore,
} from '../eventstore/index.ts';
import { eventOf, metadataOf, type AnyCommand, type Decider, type DomainEvent } from './decider.ts';
import { ConcurrencyConflictError } from './errors.ts';

/** A stream's state as its writer holds it, and the revision it reflects (-1n: no stream yet). */
export interface Loaded<State> {
  state: State;
  revision: bigint;
}

/** Loads a stream's state: its latest snapshot, if the decider keeps them, plus the events after it. */
export const loadStream = async <Event extends DomainEvent, State>(
  store: EventStore,
  snapshots: SnapshotStore | undefined,
  decider: Decider<never, Event, State>,
  id: string,
): Promise<Loaded<State>> => {
  const streamId = decider.streamIdOf(id);
  let state = decider.initialState();
  let revision = -1n;
  const snapshot = decider.snapshots && snapshots ? await snapshots.load(streamId) : undefined;
  const cached = snapshot ? decider.snapshots?.fromData(snapshot.data) : undefined;
  if (snapshot && cached !== undefined) {
    state = cached;
    revision = snapshot.revision;
  }
  let events: RecordedEvent[];
  try {
    events = await store.readStream(streamId, { from: revision + 1n });
  } catch (error) {
    if (error instanceof StreamNotFoundError) return { state: decider.initialState(), revision: -1n };
    throw error;
  }
  for (const recorded of events) {
    state = decider.evolve(state, eventOf(decider.isEvent, recorded));
    revision = recorded.revision;
  }
  return { state, revision };
};

/**
 * Runs `attempt` until it is not beaten to its stream by another writer, at
 * most `maxRetries` times; then fails with one ConcurrencyConflictError.
 * Each attempt must read the stream again: the state it decided on is stale.
 */
export const retryOnConflict = async <T>(
  kind: string,
  id: string,
  maxRetries: number,
  attempt: () => Promise<T>,
): Promise<T> => {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      if (n >= maxRetries) throw new ConcurrencyConflictError(kind, id, n);
    }
  }
};

export interface HandledCommand<Event, State> {
  readonly events: readonly Event[];
  /** The state after the command (the same as before when it decided nothing). */
  readonly state: State;
  /** The stream's revision after the append. */
  readonly revision: bigint;
  /** The log position a reader must reach to see the events (-1n when nothing was recorded). */
  readonly position: bigint;
}

export interface CommandHandlerOptions {
  /** Reload-and-retry rounds after another writer appended first. Default 5. */
  readonly maxRetries?: number;
}

/**
 * The command path for one decider, after emmett's `handleCommandWithDecider`:
 * load the stream, decide, append with the revision it was decided on; when
 * another writer appended first, load and decide again, a bounded number of
 * times. Rooms add a mailbox and group commit on top (roomCommands.ts).
 */
export const createCommandHandler = <Command extends AnyCommand, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  options: CommandHandlerOptions = {},
) => {
  const maxRetries = options.maxRetries ?? 5;
  return {
    /** Decides and records a command on stream `id`; resolves once its events are in the log. */
    handle(id: string, command: Command): Promise<HandledCommand<Event, State>> {
      const metadata = metadataOf(command, command.metadata.commandId ?? randomUUID());
      return retryOnConflict(decider.kind, id, maxRetries, async () => {
        const loaded = await loadStream(store, undefined, decider, id);
        const { state, events } = decider.execute(loaded.state, command);
        if (events.length === 0) return { events, state, revision: loaded.revision, position: -1n };
        const result = await store.appendToStream(
          decider.streamIdOf(id),
          events.map((event) => ({ type: event.type, data: event.data, metadata })),
          { expectedRevision: loaded.revision < 0n ? 'no_stream' : loaded.revision },
        );
        return { events, state, revision: result.nextExpectedRevision, position: result.position };
      });
    },

    load: (id: string): Promise<Loaded<State>> => loadStream(store, undefined, decider, id),
  };
};
