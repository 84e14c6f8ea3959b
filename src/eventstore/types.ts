/**
 * The event-store port. Two adapters implement it: SQLite (embedded default)
 * and EventStoreDB/KurrentDB (distributed). One contract suite holds both to it.
 */

/** A value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a writer hands to `appendToStream`. */
export interface EventToAppend<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** A UUID; the store makes one when it is absent. */
  readonly eventId?: string;
}

/** What the store gives back: the event plus where and when it was recorded. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly eventId: string;
  readonly streamId: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Position within its stream, from `0n`. */
  readonly revision: bigint;
  /**
   * Position in the whole log. Strictly increasing in commit order; resume a
   * read or subscription with `lastSeen.position + 1n`. Contiguous in SQLite;
   * sparse (but still resumable that way) in EventStoreDB.
   */
  readonly position: bigint;
  readonly recordedAt: Date;
}

/**
 * `'any'`: no check. `'no_stream'`: the stream must not exist.
 * `'stream_exists'`: it must. A bigint: its last revision must be exactly this.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface AppendOptions {
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** The stream's revision after the append (its last event's). */
  readonly nextExpectedRevision: bigint;
  /** The global position of the last event appended. */
  readonly position: bigint;
}

/** One stream's part of a multi-stream append. */
export interface StreamWrite {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expectedRevision?: ExpectedRevision;
}

export type ReadDirection = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** First revision to read (inclusive). Default: the start, or the end when reading backwards. */
  readonly from?: bigint;
  readonly direction?: ReadDirection;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** First global position to read (inclusive). Default `0n`. */
  readonly fromPosition?: bigint;
  readonly maxCount?: number;
}

export interface SubscribeToAllOptions {
  /** First global position to deliver (inclusive). Default `0n`. */
  readonly fromPosition?: bigint;
}

/**
 * A live subscription: catches up from its position, then follows new appends.
 * It is pulled, never pushed: the store reads the next page only when the
 * consumer asks, so a slow consumer never makes it buffer without bound.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Ends the iteration; safe to call twice. */
  close(): void;
}

export interface EventStore {
  appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to several streams, in order. SQLite does it in one transaction
   * (all or nothing, positions in this order); EventStoreDB stream by stream
   * (an earlier stream stays written if a later one fails).
   */
  appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]>;
  /** Throws `StreamNotFoundError` when the stream has no events. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The position of the last event in the log; -1n when the log is empty. */
  headPosition(): Promise<bigint>;
  subscribeToAll(options?: SubscribeToAllOptions): Subscription;
  /** Ends every subscription and releases the store; safe to call twice. */
  close(): Promise<void>;
}
