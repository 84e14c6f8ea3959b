import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { subscriptionContract } from './eventStoreSubscriptions.contract.ts';
import { event, readAllOf, streamName, type StoreUnderTest } from './storeHelpers.ts';

export type { StoreUnderTest } from './storeHelpers.ts';
import {
  InvalidEventError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '../../src/eventstore/index.ts';

/**
 * The event-store port's contract. Every adapter's spec calls this with a
 * factory; a new adapter passes it before it is used anywhere.
 */
export const eventStoreContract = (adapter: string, open: () => Promise<StoreUnderTest>): void => {
  const withStore = (body: (store: EventStore) => Promise<void>) => async () => {
    const subject = await open();
    try {
      await body(subject.store);
    } finally {
      await subject.dispose();
    }
  };

  describe(`${adapter}: the event-store contract`, () => {
    describe('appending and reading a stream', () => {
      it(
        'gives revisions from 0n and positions that increase, and reads the events back in order with what the store adds',
        withStore(async (store) => {
          const stream = streamName('room');
          const first = await store.appendToStream(stream, [event('RoomOpened', { title: 'Jazz' }, { actor: 'ann' })]);
          const second = await store.appendToStream(stream, [
            event('ListenerAdmitted', { userId: 'u1' }),
            event('ListenerAdmitted', { userId: 'u2' }),
          ]);
          expect(first.nextExpectedRevision).toBe(0n);
          expect(second.nextExpectedRevision).toBe(2n);
          expect(second.position).toBeGreaterThan(first.position);

          const events = await store.readStream(stream);
          expect(events.map((e) => [e.type, e.data, e.revision])).toEqual([
            ['RoomOpened', { title: 'Jazz' }, 0n],
            ['ListenerAdmitted', { userId: 'u1' }, 1n],
            ['ListenerAdmitted', { userId: 'u2' }, 2n],
          ]);
          expect(events[0]?.metadata).toEqual({ actor: 'ann' });
          expect(events[1]?.metadata).toEqual({});
          for (const e of events) {
            expect(e.streamId).toBe(stream);
            expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
            expect(e.recordedAt).toBeInstanceOf(Date);
            expect(Math.abs(e.recordedAt.getTime() - Date.now())).toBeLessThan(60_000);
          }
          expect(events[0]?.position).toBe(first.position);
          expect(events[2]?.position).toBe(second.position);
          expect(events[1]!.position).toBeGreaterThan(events[0]!.position);
          expect(events[2]!.position).toBeGreaterThan(events[1]!.position);
          expect(new Set(events.map((e) => e.eventId)).size).toBe(3);
        }),
      );

      it(
        'keeps an eventId the writer chose',
        withStore(async (store) => {
          const stream = streamName('room');
          const eventId = randomUUID();
          await store.appendToStream(stream, [{ type: 'RoomOpened', data: {}, eventId }]);
          expect((await store.readStream(stream))[0]?.eventId).toBe(eventId);
        }),
      );

      it(
        'keeps any JSON data: nested objects, arrays, strings, numbers, unicode',
        withStore(async (store) => {
          const stream = streamName('room');
          const data = { a: [1, 2.5, -3], b: { c: null, d: true }, e: 'Zoë 🎙️', f: '' };
          await store.appendToStream(stream, [event('Noted', data), event('Listed', [1, 'two'])]);
          const [first, second] = await store.readStream(stream);
          expect(first?.data).toEqual(data);
          expect(second?.data).toEqual([1, 'two']);
        }),
      );

      it(
        'reads from a revision, backwards, and at most maxCount',
        withStore(async (store) => {
          const stream = streamName('room');
          await store.appendToStream(
            stream,
            [0, 1, 2, 3, 4].map((n) => event('Counted', { n })),
          );
          const ns = (events: RecordedEvent[]) => events.map((e) => (e.data as { n: number }).n);
          expect(ns(await store.readStream(stream, { from: 2n }))).toEqual([2, 3, 4]);
          expect(ns(await store.readStream(stream, { maxCount: 2 }))).toEqual([0, 1]);
          expect(ns(await store.readStream(stream, { direction: 'backwards' }))).toEqual([4, 3, 2, 1, 0]);
          expect(ns(await store.readStream(stream, { direction: 'backwards', from: 3n, maxCount: 2 }))).toEqual([3, 2]);
          expect(ns(await store.readStream(stream, { from: 9n }))).toEqual([]);
        }),
      );

      it(
        'throws StreamNotFoundError for a stream with no events',
        withStore(async (store) => {
          const stream = streamName('nobody');
          const error = await store.readStream(stream).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(StreamNotFoundError);
          expect((error as StreamNotFoundError).streamId).toBe(stream);
          expect((error as Error).message).toContain(stream);
        }),
      );
    });

    describe('expectedRevision', () => {
      const conflict = async (promise: Promise<unknown>): Promise<WrongExpectedRevisionError> => {
        const error = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        return error as WrongExpectedRevisionError;
      };

      it(
        "'no_stream' succeeds on a new stream and fails on an existing one",
        withStore(async (store) => {
          const stream = streamName('room');
          await store.appendToStream(stream, [event('RoomOpened')], { expectedRevision: 'no_stream' });
          const error = await conflict(
            store.appendToStream(stream, [event('RoomOpened')], { expectedRevision: 'no_stream' }),
          );
          expect(error.expected).toBe('no_stream');
          expect(error.actual).toBe(0n);
          expect(error.streamId).toBe(stream);
          expect(await store.readStream(stream)).toHaveLength(1);
        }),
      );

      it(
        "'stream_exists' fails on a new stream and succeeds on an existing one",
        withStore(async (store) => {
          const stream = streamName('room');
          const error = await conflict(
            store.appendToStream(stream, [event('X')], { expectedRevision: 'stream_exists' }),
          );
          expect(error.actual).toBe('none');
          await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
          await store.appendToStream(stream, [event('X')]);
          const result = await store.appendToStream(stream, [event('Y')], { expectedRevision: 'stream_exists' });
          expect(result.nextExpectedRevision).toBe(1n);
        }),
      );

      it(
        'an exact revision succeeds only when it is the last one, and the error says expected and actual',
        withStore(async (store) => {
          const stream = streamName('room');
          await store.appendToStream(stream, [event('A'), event('B')]);
          const stale = await conflict(store.appendToStream(stream, [event('C')], { expectedRevision: 0n }));
          expect(stale.expected).toBe(0n);
          expect(stale.actual).toBe(1n);
          const ahead = await conflict(store.appendToStream(stream, [event('C')], { expectedRevision: 5n }));
          expect(ahead.actual).toBe(1n);
          const missing = await conflict(
            store.appendToStream(streamName('room'), [event('C')], { expectedRevision: 0n }),
          );
          expect(missing.actual).toBe('none');
          const ok = await store.appendToStream(stream, [event('C')], { expectedRevision: 1n });
          expect(ok.nextExpectedRevision).toBe(2n);
        }),
      );

      it(
        "'any' always appends",
        withStore(async (store) => {
          const stream = streamName('room');
          await store.appendToStream(stream, [event('A')], { expectedRevision: 'any' });
          await store.appendToStream(stream, [event('B')], { expectedRevision: 'any' });
          expect(await store.readStream(stream)).toHaveLength(2);
        }),
      );

      it(
        'many writers racing on one stream: exactly one wins each revision, and the losers are told',
        withStore(async (store) => {
          const stream = streamName('room');
          const writers = 8;
          const rounds = 12;
          const wins: bigint[] = [];
          let conflicts = 0;
          const writer = async (id: number): Promise<void> => {
            for (let round = 0; round < rounds; round += 1) {
              let current = -1n;
              try {
                const events = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
                current = events[0]?.revision ?? -1n;
              } catch (error) {
                if (!(error instanceof StreamNotFoundError)) throw error;
              }
              try {
                const result = await store.appendToStream(stream, [event('Wrote', { id, round })], {
                  expectedRevision: current < 0n ? 'no_stream' : current,
                });
                wins.push(result.nextExpectedRevision);
              } catch (error) {
                if (!(error instanceof WrongExpectedRevisionError)) throw error;
                conflicts += 1;
              }
            }
          };
          await Promise.all(Array.from({ length: writers }, (_, id) => writer(id)));
          const events = await store.readStream(stream);
          expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
          expect([...wins].sort((a, b) => (a < b ? -1 : 1))).toEqual(events.map((e) => e.revision));
          expect(wins.length + conflicts).toBe(writers * rounds);
        }),
      );
    });

    describe('batches are atomic', () => {
      it(
        'a batch with one bad event writes none of them',
        withStore(async (store) => {
          const stream = streamName('room');
          const error = await store
            .appendToStream(stream, [event('A'), event('B'), event('C', { n: 1n })])
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(InvalidEventError);
          expect((error as InvalidEventError).index).toBe(2);
          expect((error as Error).message).toMatch(/#2.*JSON/);
          await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
        }),
      );

      it(
        'a batch that fails its revision check writes none of it',
        withStore(async (store) => {
          const stream = streamName('room');
          await store.appendToStream(stream, [event('A')]);
          await expect(
            store.appendToStream(stream, [event('B'), event('C'), event('D')], { expectedRevision: 5n }),
          ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
          expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A']);
        }),
      );

      it(
        "a batch's events take consecutive revisions and the positions of one commit",
        withStore(async (store) => {
          const stream = streamName('room');
          const result = await store.appendToStream(
            stream,
            Array.from({ length: 100 }, (_, n) => event('N', { n })),
          );
          const events = await store.readStream(stream);
          expect(result.nextExpectedRevision).toBe(99n);
          expect(events).toHaveLength(100);
          expect(events.at(-1)?.position).toBe(result.position);
          const all = await readAllOf(store, [stream], events[0]!.position);
          expect(all.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
        }),
      );
    });

    describe('bad input is rejected with a typed error and writes nothing', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const cases: Array<[string, string, EventToAppend[], RegExp]> = [
        ['an empty type', 'room', [{ type: '', data: {} }], /type/],
        ['a blank type', 'room', [{ type: '   ', data: {} }], /type/],
        ['bigint data', 'room', [{ type: 'A', data: { n: 1n } }], /JSON/],
        ['cyclic data', 'room', [{ type: 'A', data: cyclic }], /JSON/],
        ['undefined data', 'room', [{ type: 'A', data: undefined }], /JSON/],
        ['a function as data', 'room', [{ type: 'A', data: () => 1 }], /JSON/],
        [
          'non-object metadata',
          'room',
          [{ type: 'A', data: {}, metadata: 'x' as unknown as Record<string, unknown> }],
          /metadata/,
        ],
        ['an event over 1 MiB', 'room', [{ type: 'A', data: { blob: 'x'.repeat(1024 * 1024 + 1) } }], /over the limit/],
        ['an empty batch', 'room', [], /non-empty/],
        ['an eventId that is not a UUID', 'room', [{ type: 'A', data: {}, eventId: 'nope' }], /UUID/],
      ];
      for (const [what, label, events, message] of cases) {
        it(
          `rejects ${what}`,
          withStore(async (store) => {
            const stream = streamName(label);
            const error = await store.appendToStream(stream, events).catch((e: unknown) => e);
            expect(error).toBeInstanceOf(InvalidEventError);
            expect((error as Error).message).toMatch(message);
            await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
          }),
        );
      }

      it(
        'rejects bad stream ids, revisions and read options',
        withStore(async (store) => {
          await expect(store.appendToStream('', [event('A')])).rejects.toBeInstanceOf(InvalidEventError);
          await expect(store.appendToStream('$system', [event('A')])).rejects.toBeInstanceOf(InvalidEventError);
          const stream = streamName('room');
          await expect(store.appendToStream(stream, [event('A')], { expectedRevision: -1n })).rejects.toThrow(
            /expectedRevision/,
          );
          await expect(
            store.appendToStream(stream, [event('A')], { expectedRevision: 3 as unknown as bigint }),
          ).rejects.toThrow(/expectedRevision/);
          await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
          await expect(store.readAll({ fromPosition: -1n })).rejects.toThrow(/fromPosition/);
          await expect(store.readAll({ maxCount: 1.5 })).rejects.toThrow(/maxCount/);
          await expect(store.readStream(stream, { from: -2n })).rejects.toThrow(/from/);
        }),
      );
    });

    describe('appendToStreams', () => {
      it(
        'appends to several streams in the order given, each with its own revision check',
        withStore(async (store) => {
          const main = streamName('room');
          const overflow = streamName('room-overflow');
          await store.appendToStream(main, [event('RoomOpened')]);
          const results = await store.appendToStreams([
            { streamId: main, events: [event('ListenerRedirectedToOverflow')], expectedRevision: 0n },
            { streamId: overflow, events: [event('RoomOpened'), event('ListenerAdmitted')] },
          ]);
          expect(results.map((r) => r.nextExpectedRevision)).toEqual([1n, 1n]);
          expect(results[1]!.position).toBeGreaterThan(results[0]!.position);
          const all = await readAllOf(store, [main, overflow], (await store.readStream(main))[0]!.position);
          expect(all.map((e) => e.type)).toEqual([
            'RoomOpened',
            'ListenerRedirectedToOverflow',
            'RoomOpened',
            'ListenerAdmitted',
          ]);
          await expect(
            store.appendToStreams([{ streamId: main, events: [event('X')], expectedRevision: 0n }]),
          ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
          await expect(store.appendToStreams([])).rejects.toBeInstanceOf(InvalidEventError);
        }),
      );
    });

    describe('the whole log', () => {
      it(
        'readAll returns every stream in commit order, from a position, at most maxCount',
        withStore(async (store) => {
          const a = streamName('a');
          const b = streamName('b');
          const first = await store.appendToStream(a, [event('A1')]);
          await store.appendToStream(b, [event('B1'), event('B2')]);
          await store.appendToStream(a, [event('A2')]);
          const all = await readAllOf(store, [a, b], first.position);
          expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'B2', 'A2']);
          for (let i = 1; i < all.length; i += 1) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
          const fromSecond = await readAllOf(store, [a, b], all[1]!.position);
          expect(fromSecond.map((e) => e.type)).toEqual(['B1', 'B2', 'A2']);
          const afterSecond = await readAllOf(store, [a, b], all[1]!.position + 1n);
          expect(afterSecond.map((e) => e.type)).toEqual(['B2', 'A2']);
          const two = await store.readAll({ fromPosition: first.position, maxCount: 2 });
          expect(two).toHaveLength(2);
        }),
      );
    });

    it(
      'headPosition is the position of the last event appended',
      withStore(async (store) => {
        const stream = streamName('room');
        const first = await store.appendToStream(stream, [event('A'), event('B')]);
        expect(await store.headPosition()).toBe(first.position);
        const second = await store.appendToStream(streamName('other'), [event('C')]);
        expect(await store.headPosition()).toBe(second.position);
      }),
    );

    subscriptionContract(withStore, open);
  });
};
