import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { InvalidEventError } from './errors.ts';
import type {
  AppendOptions,
  AppendResult,
  EventToAppend,
  ExpectedRevision,
  ReadStreamOptions,
  StreamWrite,
} from './types.ts';

/** Default largest serialised event (data + metadata), in bytes. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

/** How a bad value is shown in an error message. */
const show = (value: unknown): string => (typeof value === 'bigint' ? `${value}n` : inspect(value, { depth: 0 }));

/** Array.isArray without narrowing a readonly array to any[]. */
export const isArray = (value: unknown): boolean => Array.isArray(value);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An event checked and serialised once, ready for any adapter. */
export interface SerialisedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

const toJson = (value: unknown, index: number, what: string): string => {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidEventError(
      index,
      `its ${what} is not JSON-serialisable (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  if (json === undefined) {
    throw new InvalidEventError(index, `its ${what} is not JSON-serialisable (got ${typeof value}).`);
  }
  return json;
};

export const assertStreamId = (streamId: unknown): void => {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > 1000) {
    throw new InvalidEventError(undefined, 'A stream id must be a non-empty string of at most 1000 characters.');
  }
  if (streamId.startsWith('$')) {
    throw new InvalidEventError(
      undefined,
      `Stream id "${streamId}" starts with "$", which is reserved for system streams.`,
    );
  }
};

export const assertExpectedRevision = (expected: unknown): ExpectedRevision => {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
  if (typeof expected === 'bigint' && expected >= 0n) return expected;
  throw new InvalidEventError(
    undefined,
    `expectedRevision must be 'any', 'no_stream', 'stream_exists' or a bigint ≥ 0n, not ${show(expected)}.`,
  );
};

export const assertReadStreamOptions = (options: ReadStreamOptions): void => {
  if (options.from !== undefined && (typeof options.from !== 'bigint' || options.from < 0n)) {
    throw new InvalidEventError(undefined, `readStream "from" must be a bigint ≥ 0n, not ${show(options.from)}.`);
  }
  assertMaxCount(options.maxCount);
};

export const assertMaxCount = (maxCount: unknown): void => {
  if (maxCount !== undefined && (typeof maxCount !== 'number' || !Number.isInteger(maxCount) || maxCount < 0)) {
    throw new InvalidEventError(undefined, `maxCount must be a whole number ≥ 0, not ${show(maxCount)}.`);
  }
};

export const assertPosition = (position: unknown): bigint => {
  if (position === undefined) return 0n;
  if (typeof position === 'bigint' && position >= 0n) return position;
  throw new InvalidEventError(undefined, `fromPosition must be a bigint ≥ 0n, not ${show(position)}.`);
};

/**
 * Metadata objects already serialised in one append, by identity: a command's
 * events (and their overflow rooms' mirrors) share one metadata object, so it
 * is stringified and measured once per append instead of once per event. Only
 * for the length of one call: the caller may change an object afterwards.
 */
type MetadataCache = Map<object, { readonly json: string; readonly bytes: number }>;

/**
 * Checks a whole batch before anything is written, so a bad event rejects the
 * batch and writes nothing.
 */
export const serialiseBatch = (
  events: readonly EventToAppend[],
  maxEventBytes: number = DEFAULT_MAX_EVENT_BYTES,
  metadataSeen: MetadataCache = new Map(),
): SerialisedEvent[] => {
  if (!isArray(events) || events.length === 0) {
    throw new InvalidEventError(undefined, 'An append needs a non-empty array of events.');
  }
  return events.map((event, index) => {
    if (event === null || typeof event !== 'object') {
      throw new InvalidEventError(index, 'it is not an object with type, data and metadata.');
    }
    if (typeof event.type !== 'string' || event.type.trim().length === 0) {
      throw new InvalidEventError(index, 'its type must be a non-empty string.');
    }
    if (event.eventId !== undefined && (typeof event.eventId !== 'string' || !UUID.test(event.eventId))) {
      throw new InvalidEventError(index, `its eventId must be a UUID, not ${show(event.eventId)}.`);
    }
    const data = toJson(event.data, index, 'data');
    const given = event.metadata ?? {};
    let seen = metadataSeen.get(given);
    if (seen === undefined) {
      const json = toJson(given, index, 'metadata');
      if (json[0] !== '{') {
        throw new InvalidEventError(index, 'its metadata must be a JSON object.');
      }
      seen = { json, bytes: Buffer.byteLength(json) };
      metadataSeen.set(given, seen);
    }
    const metadata = seen.json;
    const bytes = Buffer.byteLength(data) + seen.bytes;
    if (bytes > maxEventBytes) {
      throw new InvalidEventError(
        index,
        `it is ${bytes} bytes serialised, over the limit of ${maxEventBytes} bytes (maxEventBytes).`,
      );
    }
    return { eventId: event.eventId ?? randomUUID(), type: event.type, data, metadata };
  });
};

/** One stream's write, checked and serialised. */
export interface CheckedWrite {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly batch: SerialisedEvent[];
}

/** Checks every write of an `appendToStreams` call before anything is written. */
export const checkWrites = (writes: readonly StreamWrite[], maxEventBytes: number): CheckedWrite[] => {
  if (!isArray(writes) || writes.length === 0) {
    throw new InvalidEventError(undefined, 'appendToStreams needs a non-empty array of stream writes.');
  }
  const metadataSeen: MetadataCache = new Map();
  return writes.map((w) => {
    assertStreamId(w.streamId);
    return {
      streamId: w.streamId,
      expected: assertExpectedRevision(w.expectedRevision ?? 'any'),
      batch: serialiseBatch(w.events, maxEventBytes, metadataSeen),
    };
  });
};

/** `appendToStream` as the one-stream case of an adapter's `appendToStreams`. */
export const appendThroughStreams =
  (appendToStreams: (writes: readonly StreamWrite[]) => Promise<AppendResult[]>) =>
  async (streamId: string, events: readonly EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> =>
    (await appendToStreams([{ streamId, events, expectedRevision: options.expectedRevision }]))[0]!;
