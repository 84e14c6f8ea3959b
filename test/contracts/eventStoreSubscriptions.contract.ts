import { describe, expect, it } from 'vitest';
import { EventStoreClosedError, type EventStore, type RecordedEvent } from '../../src/eventstore/index.ts';

import { collect, event, streamName, type StoreUnderTest } from './storeHelpers.ts';

type WithStore = (body: (store: EventStore) => Promise<void>) => () => Promise<void>;

/** The contract's live part: subscriptions, and what closing the store does to them. */
export const subscriptionContract = (withStore: WithStore, open: () => Promise<StoreUnderTest>): void => {
  describe('subscribeToAll', () => {
    it(
      'catches up from a position, then follows live appends in order',
      withStore(async (store) => {
        const stream = streamName('room');
        const first = await store.appendToStream(stream, [event('E0'), event('E1'), event('E2')]);
        const start = (await store.readStream(stream))[0]!.position;
        expect(first.position).toBeGreaterThan(start);
        const subscription = store.subscribeToAll({ fromPosition: start });
        const seen: RecordedEvent[] = [];
        const done = (async () => {
          for await (const e of subscription) {
            if (e.streamId !== stream) continue;
            seen.push(e);
            if (seen.length === 6) break;
          }
        })();
        await new Promise((resolve) => setTimeout(resolve, 100));
        await store.appendToStream(stream, [event('E3')]);
        await store.appendToStream(stream, [event('E4'), event('E5')]);
        await done;
        expect(seen.map((e) => e.type)).toEqual(['E0', 'E1', 'E2', 'E3', 'E4', 'E5']);
        expect(seen.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
      }),
    );

    it(
      'resumes from the position after the last event seen, with no gap and no duplicate',
      withStore(async (store) => {
        const stream = streamName('room');
        await store.appendToStream(
          stream,
          Array.from({ length: 10 }, (_, n) => event('N', { n })),
        );
        const events = await store.readStream(stream);
        const firstPart = await collect(
          (async function* () {
            for await (const e of store.subscribeToAll({ fromPosition: events[0]!.position })) {
              if (e.streamId === stream) yield e;
            }
          })(),
          4,
        );
        const resumed = await collect(
          (async function* () {
            for await (const e of store.subscribeToAll({ fromPosition: firstPart.at(-1)!.position + 1n })) {
              if (e.streamId === stream) yield e;
            }
          })(),
          6,
        );
        expect([...firstPart, ...resumed].map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
      }),
    );

    it(
      'a subscription catches up past many pages without skipping',
      withStore(async (store) => {
        const stream = streamName('room');
        for (let batch = 0; batch < 5; batch += 1) {
          await store.appendToStream(
            stream,
            Array.from({ length: 400 }, (_, n) => event('N', { n: batch * 400 + n })),
          );
        }
        const events = await store.readStream(stream);
        const seen = await collect(
          (async function* () {
            for await (const e of store.subscribeToAll({ fromPosition: events[0]!.position })) {
              if (e.streamId === stream) yield e;
            }
          })(),
          2000,
        );
        expect(seen.map((e) => (e.data as { n: number }).n)).toEqual(events.map((_, i) => i));
      }),
    );

    it(
      'close() ends a waiting subscription, and is safe to call twice',
      withStore(async (store) => {
        const stream = streamName('room');
        const { position } = await store.appendToStream(stream, [event('A')]);
        const subscription = store.subscribeToAll({ fromPosition: position + 1n });
        const ended = (async () => {
          const seen: RecordedEvent[] = [];
          for await (const e of subscription) seen.push(e);
          return seen;
        })();
        await new Promise((resolve) => setTimeout(resolve, 50));
        subscription.close();
        subscription.close();
        const seen = await ended;
        expect(seen.filter((e) => e.streamId === stream)).toEqual([]);
      }),
    );
  });

  describe('closing the store', () => {
    it('ends its subscriptions and refuses further work', async () => {
      const subject = await open();
      const { store } = subject;
      try {
        const stream = streamName('room');
        const { position } = await store.appendToStream(stream, [event('A')]);
        const subscription = store.subscribeToAll({ fromPosition: position + 1n });
        const ended = (async () => {
          for await (const _ of subscription) {
            /* waits for an event that never comes */
          }
          return 'ended';
        })();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await store.close();
        await store.close();
        expect(await ended).toBe('ended');
        await expect(store.appendToStream(stream, [event('B')])).rejects.toBeInstanceOf(EventStoreClosedError);
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(EventStoreClosedError);
      } finally {
        await subject.dispose();
      }
    });
  });
};
