import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import {
  createReadModels,
  dataFolderHolder,
  occurredAt,
  openEventStore,
  StreamNotFoundError,
  type EventStore,
  type RecordedEvent,
  type SpillwayConfig,
} from '../runtime/index.ts';
import { createProgress } from './progress.ts';
import { UsageError } from './usageError.ts';

export interface ReplayOptions {
  readonly events?: string | undefined;
  readonly analytics?: string | undefined;
  readonly format?: string | undefined;
  readonly until?: string | undefined;
  readonly out?: string | undefined;
}

const csvCell = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

const jsonLine = (event: RecordedEvent): string =>
  JSON.stringify({
    position: String(event.position),
    streamId: event.streamId,
    revision: String(event.revision),
    eventId: event.eventId,
    type: event.type,
    recordedAt: event.recordedAt.toISOString(),
    metadata: event.metadata,
    data: event.data,
  });

const EVENT_COLUMNS = ['position', 'stream', 'revision', 'recordedAt', 'occurredAt', 'type', 'actor', 'data'];
const csvLine = (event: RecordedEvent): string =>
  [
    String(event.position),
    event.streamId,
    String(event.revision),
    event.recordedAt.toISOString(),
    new Date(occurredAt(event)).toISOString(),
    event.type,
    typeof event.metadata.actor === 'string' ? event.metadata.actor : '',
    event.data,
  ]
    .map(csvCell)
    .join(',');

const parseUntil = (until: string | undefined): number | undefined => {
  if (until === undefined) return undefined;
  const ms = Date.parse(until);
  if (!/^\d{4}-\d{2}-\d{2}/.test(until) || Number.isNaN(ms)) {
    throw new UsageError(`--until must be an ISO 8601 time such as 2026-11-28T21:04:17Z, not "${until}".`);
  }
  return ms;
};

const roomEvents = async (store: EventStore, roomId: string): Promise<RecordedEvent[]> => {
  try {
    return await store.readStream(`room-${roomId}`);
  } catch (error) {
    if (error instanceof StreamNotFoundError)
      throw new UsageError(`Room "${roomId}" has no events: no such room in this event store.`);
    throw error;
  }
};

const write = async (out: Writable, lines: Iterable<string>): Promise<void> => {
  for (const line of lines) {
    if (!out.write(`${line}\n`)) await new Promise((resolve) => out.once('drain', resolve));
  }
};

/**
 * `spillway replay`: rebuilds the read models from zero (with progress), or
 * exports a room's raw events (JSONL or CSV) or its analytics timeline (CSV).
 */
export const runReplay = async (config: SpillwayConfig, options: ReplayOptions): Promise<void> => {
  if (options.events !== undefined && options.analytics !== undefined) {
    throw new UsageError('Choose one of --events ROOM or --analytics ROOM.');
  }
  const format = options.format ?? (options.analytics !== undefined ? 'csv' : 'jsonl');
  if (options.events !== undefined && format !== 'jsonl' && format !== 'csv') {
    throw new UsageError(`--format must be jsonl or csv for --events, not "${format}".`);
  }
  if (options.analytics !== undefined && format !== 'csv') {
    throw new UsageError(`--format must be csv for --analytics, not "${format}".`);
  }
  const until = parseUntil(options.until);
  if (config.eventStore.kind === 'sqlite' && !existsSync(config.eventStore.file)) {
    throw new UsageError(
      `No event store at ${config.eventStore.file}: run the engine first, or point --data at its folder.`,
    );
  }
  const store = openEventStore(config.eventStore);
  const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
  try {
    if (options.events !== undefined) {
      const events = (await roomEvents(store, options.events)).filter(
        (e) => until === undefined || occurredAt(e) <= until,
      );
      if (format === 'csv') await write(out, [EVENT_COLUMNS.join(','), ...events.map(csvLine)]);
      else await write(out, events.map(jsonLine));
      return;
    }
    if (options.analytics !== undefined) {
      const roomId = options.analytics;
      await roomEvents(store, roomId);
      // Beside a live server its read models are its own: fold the timeline into a private file instead.
      const scratch = dataFolderHolder(config.dataDir) ? mkdtempSync(join(tmpdir(), 'spillway-replay-')) : undefined;
      const readModels = createReadModels({
        store,
        path: scratch ? join(scratch, 'read-models.db') : config.readModelsFile,
      });
      try {
        readModels.start();
        await readModels.waitFor(await store.headPosition(), 600_000);
        const rows = readModels.seconds(roomId).map((s) => ({
          at: Date.parse(s.second),
          row: [s.second, s.listeners, s.familyListeners, s.joins, s.leaves, s.queued, s.admittedFromQueue].join(','),
        }));
        await write(out, [
          'second,listeners,familyListeners,joins,leaves,queued,admittedFromQueue',
          ...rows.filter((r) => until === undefined || r.at <= until).map((r) => r.row),
        ]);
      } finally {
        await readModels.stop();
        if (scratch) rmSync(scratch, { recursive: true, force: true });
      }
      return;
    }
    if (until !== undefined || options.format !== undefined) {
      throw new UsageError('--until and --format go with --events ROOM or --analytics ROOM.');
    }
    const holder = dataFolderHolder(config.dataDir);
    if (holder) {
      throw new UsageError(
        `the server at ${holder.url ?? 'a port not yet open'} (pid ${holder.pid}) is using the read models of ${config.dataDir}: stop it, replay, and start it again; or replay a copy of the folder with --data COPY.`,
      );
    }
    const head = await store.headPosition();
    const total = Number(head + 1n);
    const readModels = createReadModels({
      store,
      path: config.readModelsFile,
      ...(config.eventStore.kind === 'sqlite' ? { eventsFile: config.eventStore.file } : {}),
    });
    const progress = createProgress('rebuilding read models', total, 'events');
    try {
      await readModels.rebuildAll((p) => progress.update(Number(p.position + 1n)));
    } finally {
      await readModels.stop();
    }
    const { seconds, rate } = progress.stop(total);
    process.stdout.write(
      `replay: rebuilt ${readModels.names.join(', ')} from ${total} events in ${seconds.toFixed(1)}s (${Math.round(rate)} events/s)\n`,
    );
  } finally {
    if (options.out) await new Promise<void>((resolve) => out.end(resolve));
    await store.close();
  }
};
