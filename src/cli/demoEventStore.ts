import { randomUUID } from 'node:crypto';
import cliProgress from 'cli-progress';
import { describeEventStore, openEventStore, type RecordedEvent, type SpillwayConfig } from '../runtime/index.ts';

export interface EventStoreDemoOptions {
  readonly listeners: number;
  readonly batch: number;
  readonly quiet: boolean;
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);

/**
 * The event-store layer's part of a famous-guest surge: a room opens and a
 * crowd is admitted in group-committed batches, while a live subscriber
 * follows the log. Prints throughput and the subscriber's lag.
 */
export const runEventStoreDemo = async (config: SpillwayConfig, options: EventStoreDemoOptions): Promise<void> => {
  const store = openEventStore(config.eventStore);
  const roomId = randomUUID();
  const stream = `room-${roomId}`;
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  print(`event store: ${describeEventStore(config.eventStore)}`);

  const opened = await store.appendToStream(
    stream,
    [{ type: 'RoomOpened', data: { roomId, title: 'Headliner live', capacity: 5000 } }],
    { expectedRevision: 'no_stream' },
  );
  const lags: number[] = [];
  let followed = 0;
  const subscription = store.subscribeToAll({ fromPosition: opened.position + 1n });
  const following = (async () => {
    for await (const event of subscription as AsyncIterable<RecordedEvent>) {
      if (event.streamId !== stream) continue;
      lags.push(Date.now() - event.recordedAt.getTime());
      followed += 1;
      if (followed === options.listeners) break;
    }
  })();

  const bar = options.quiet
    ? undefined
    : new cliProgress.SingleBar(
        { format: 'admitting {bar} {value}/{total} listeners | {rate}/s | eta {eta}s', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
  bar?.start(options.listeners, 0, { rate: 0 });
  const started = performance.now();
  let revision = opened.nextExpectedRevision;
  for (let admitted = 0; admitted < options.listeners;) {
    const size = Math.min(options.batch, options.listeners - admitted);
    const events = Array.from({ length: size }, (_, i) => ({
      type: 'ListenerAdmitted',
      data: { roomId, userId: `listener-${admitted + i}` },
      metadata: { correlationId: randomUUID() },
    }));
    ({ nextExpectedRevision: revision } = await store.appendToStream(stream, events, { expectedRevision: revision }));
    admitted += size;
    const seconds = (performance.now() - started) / 1000;
    bar?.update(admitted, { rate: Math.round(admitted / seconds) });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await following;
  const seconds = (performance.now() - started) / 1000;
  bar?.stop();

  const events = await store.readStream(stream);
  await store.close();
  lags.sort((a, b) => a - b);
  print(
    `eventstore demo: room=${stream} events=${events.length} admitted=${followed} rate=${Math.round(options.listeners / seconds)}/s lag_p50=${percentile(lags, 50)}ms lag_p99=${percentile(lags, 99)}ms`,
  );
};
