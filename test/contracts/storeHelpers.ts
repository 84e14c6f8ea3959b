// Helpers shared by the event-store contract's parts.
import { randomUUID } from 'node:crypto';
import { type EventStore, type EventToAppend, type RecordedEvent } from '../../src/eventstore/index.ts';

/** A store for one test; `dispose` closes it and removes what it made. */
export interface StoreUnderTest {
  readonly store: EventStore;
  dispose(): Promise<void>;
}

export const event = (type: string, data: unknown = {}, metadata?: Record<string, unknown>): EventToAppend => ({
  type,
  data,
  ...(metadata ? { metadata } : {}),
});

/** Streams are unique per test, so the suite also runs against a shared server. */
export const streamName = (label: string): string => `${label}-${randomUUID()}`;

export const collect = async (iterable: AsyncIterable<RecordedEvent>, count: number): Promise<RecordedEvent[]> => {
  const seen: RecordedEvent[] = [];
  if (count === 0) return seen;
  for await (const recorded of iterable) {
    seen.push(recorded);
    if (seen.length === count) break;
  }
  return seen;
};

/** Events of these streams only, from `fromPosition` on. */
export const readAllOf = async (store: EventStore, streams: string[], fromPosition = 0n): Promise<RecordedEvent[]> =>
  (await store.readAll({ fromPosition })).filter((e) => streams.includes(e.streamId));
