import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  START,
  StreamNotFoundError as EsdbStreamNotFoundError,
  UnavailableError as EsdbUnavailableError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type JSONType,
  type Position as EsdbPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  EventStoreClosedError,
  EventStoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../errors.ts';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamWrite,
  Subscription,
  SubscribeToAllOptions,
} from '../types.ts';
import {
  assertExpectedRevision,
  assertMaxCount,
  assertPosition,
  assertReadStreamOptions,
  assertStreamId,
  DEFAULT_MAX_EVENT_BYTES,
  serialiseBatch,
} from '../validation.ts';

export interface EventStoreDbEventStoreOptions {
  /** Largest serialised event (data + metadata) accepted, in bytes. Default 1 MiB. */
  readonly maxEventBytes?: number;
  /** Events read per request while catching up. Default 512. */
  readonly pageSize?: number;
}

/*
 * Positions. EventStoreDB's log positions are sparse byte offsets, while the
 * port promises that `lastSeen.position + 1n` resumes right after an event.
 * So the port's position is twice the server's prepare position: an even
 * number names an event, the odd number after it means "just after that
 * event", and both map back onto a real event boundary on the server.
 */
const toPortPosition = (position: EsdbPosition | undefined): bigint => (position ? position.prepare * 2n : -1n);
const toServerPosition = (portPosition: bigint): EsdbPosition | typeof START => {
  if (portPosition <= 0n) return START;
  const prepare = portPosition / 2n;
  return { commit: prepare, prepare };
};

const toRecordedEvent = (resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined => {
  const event = resolved.event;
  if (!event || event.type.startsWith('$') || event.streamId.startsWith('$')) return undefined;
  const data: unknown = event.isJson ? event.data : JSON.parse(Buffer.from(event.data).toString('utf8'));
  const metadata =
    event.metadata instanceof Uint8Array
      ? (JSON.parse(Buffer.from(event.metadata).toString('utf8') || '{}') as Record<string, unknown>)
      : ((event.metadata ?? {}) as Record<string, unknown>);
  return {
    eventId: event.id,
    streamId: event.streamId,
    type: event.type,
    data,
    metadata,
    revision: event.revision,
    position: toPortPosition(event.position),
    recordedAt: event.created,
  };
};

const translate = (error: unknown, streamId?: string, expected?: ExpectedRevision): unknown => {
  if (error instanceof EsdbWrongExpectedVersionError && streamId !== undefined && expected !== undefined) {
    const actual = typeof error.actualVersion === 'bigint' ? error.actualVersion : 'none';
    return new WrongExpectedRevisionError(streamId, expected, actual);
  }
  if (error instanceof EsdbStreamNotFoundError) return new StreamNotFoundError(streamId ?? error.streamName);
  if (error instanceof EsdbUnavailableError) {
    return new EventStoreUnavailableError(`EventStoreDB is unreachable: ${error.message}`, { cause: error });
  }
  return error;
};

/**
 * The distributed event store on EventStoreDB / KurrentDB. Appends map onto
 * the server's optimistic concurrency; `subscribeToAll` follows `$all`
 * without system events.
 */
export const createEventStoreDbEventStore = (
  client: EventStoreDBClient,
  options: EventStoreDbEventStoreOptions = {},
): EventStore => {
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const pageSize = options.pageSize ?? 512;
  let closed = false;
  const subscriptions = new Set<Subscription>();
  const assertOpen = (): void => {
    if (closed) throw new EventStoreClosedError();
  };

  /** Reads `$all` from an inclusive port position, skipping system events. */
  const readAllFrom = async (fromPosition: bigint, maxCount: number): Promise<RecordedEvent[]> => {
    const events: RecordedEvent[] = [];
    let from = toServerPosition(fromPosition);
    while (events.length < maxCount) {
      let read = 0;
      let last: EsdbPosition | undefined;
      for await (const resolved of client.readAll({ fromPosition: from, direction: FORWARDS, maxCount: pageSize })) {
        read += 1;
        last = resolved.event?.position;
        const event = toRecordedEvent(resolved);
        if (event && event.position >= fromPosition && events.length < maxCount) events.push(event);
      }
      if (read < pageSize || !last) break;
      // The next page starts after the last event read (it is read again and dropped by the filter).
      from = last;
      fromPosition = toPortPosition(last) + 1n;
    }
    return events;
  };

  const store: EventStore = {
    async appendToStream(streamId: string, events: readonly EventToAppend[], appendOptions: AppendOptions = {}) {
      assertOpen();
      assertStreamId(streamId);
      const expected = assertExpectedRevision(appendOptions.expectedRevision ?? 'any');
      const batch = serialiseBatch(events, maxEventBytes).map((event) =>
        jsonEvent({
          id: event.eventId,
          type: event.type,
          data: JSON.parse(event.data) as JSONType,
          metadata: JSON.parse(event.metadata) as JSONType,
        }),
      );
      try {
        const result = await client.appendToStream(streamId, batch, { expectedRevision: expected });
        return { nextExpectedRevision: result.nextExpectedRevision, position: toPortPosition(result.position) };
      } catch (error) {
        throw translate(error, streamId, expected);
      }
    },

    async appendToStreams(writes: readonly StreamWrite[]) {
      const results: AppendResult[] = [];
      // EventStoreDB (this client) has no multi-stream transaction: stream by stream, in order.
      for (const write of writes) {
        results.push(
          await store.appendToStream(write.streamId, write.events, { expectedRevision: write.expectedRevision }),
        );
      }
      return results;
    },

    async readStream(streamId: string, readOptions: ReadStreamOptions = {}) {
      assertOpen();
      assertStreamId(streamId);
      assertReadStreamOptions(readOptions);
      const backwards = readOptions.direction === 'backwards';
      const events: RecordedEvent[] = [];
      if (readOptions.maxCount === 0) {
        await store.readStream(streamId, { ...readOptions, maxCount: 1 });
        return events;
      }
      try {
        for await (const resolved of client.readStream(streamId, {
          fromRevision: readOptions.from ?? (backwards ? END : START),
          direction: backwards ? BACKWARDS : FORWARDS,
          maxCount: readOptions.maxCount ?? Number.MAX_SAFE_INTEGER,
        })) {
          const event = toRecordedEvent(resolved);
          if (event) events.push(event);
        }
      } catch (error) {
        throw translate(error, streamId);
      }
      return events;
    },

    async readAll(readOptions: ReadAllOptions = {}) {
      assertOpen();
      assertMaxCount(readOptions.maxCount);
      const from = assertPosition(readOptions.fromPosition);
      try {
        return await readAllFrom(from, readOptions.maxCount ?? Number.MAX_SAFE_INTEGER);
      } catch (error) {
        throw translate(error);
      }
    },

    async headPosition() {
      assertOpen();
      try {
        for await (const resolved of client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 50 })) {
          const event = toRecordedEvent(resolved);
          if (event) return event.position;
        }
        return -1n;
      } catch (error) {
        throw translate(error);
      }
    },

    subscribeToAll(subscribeOptions: SubscribeToAllOptions = {}) {
      assertOpen();
      let next = assertPosition(subscribeOptions.fromPosition);
      const stop = new AbortController();
      let live: ReturnType<EventStoreDBClient['subscribeToAll']> | undefined;

      // Catch up page by page (inclusive start), then follow live from the
      // last event seen (the server's subscription start is exclusive).
      async function* follow(): AsyncGenerator<RecordedEvent> {
        try {
          for (;;) {
            const page = await readAllFrom(next, pageSize);
            for (const event of page) {
              if (stop.signal.aborted) return;
              next = event.position + 1n;
              yield event;
            }
            if (page.length < pageSize) break;
          }
          if (stop.signal.aborted) return;
          const after = next / 2n;
          live = client.subscribeToAll({
            fromPosition: next <= 0n ? START : { commit: after, prepare: after },
            filter: excludeSystemEvents(),
          });
          for await (const resolved of live) {
            if (stop.signal.aborted) return;
            const event = toRecordedEvent(resolved);
            if (!event || event.position < next) continue;
            next = event.position + 1n;
            yield event;
          }
        } catch (error) {
          if (!stop.signal.aborted) throw translate(error);
        } finally {
          close();
        }
      }

      const close = (): void => {
        if (stop.signal.aborted) return;
        stop.abort();
        subscriptions.delete(subscription);
        void live?.unsubscribe().catch(() => undefined);
      };
      const iterator = follow();
      const subscription: Subscription = { close, [Symbol.asyncIterator]: () => iterator };
      subscriptions.add(subscription);
      return subscription;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const subscription of [...subscriptions]) subscription.close();
      await client.dispose();
    },
  };
  return store;
};

/** Connects with a `esdb://` / `kurrentdb://` connection string. */
export const connectEventStoreDb = (connectionString: string, options?: EventStoreDbEventStoreOptions): EventStore =>
  createEventStoreDbEventStore(
    EventStoreDBClient.connectionString(connectionString.replace(/^kurrentdb:/, 'esdb:')),
    options,
  );
