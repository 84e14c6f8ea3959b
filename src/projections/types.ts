import type { RecordedEvent } from '../eventstore/index.ts';

/**
 * A read model kept as JSON documents by key. `evolve` is pure: given read
 * access to the current documents, it returns the documents the event
 * changes (null deletes one). The runner stores them with its checkpoint in
 * one transaction, and applies an event to a document at most once (each
 * document remembers the last position applied to it).
 */
export interface DocumentProjection<Doc = unknown> {
  readonly name: string;
  /** Bump it when `evolve` changes meaning: the runner then rebuilds from zero beside the old one. */
  readonly version: number;
  readonly handles: ReadonlySet<string>;
  /**
   * True when every document an event changes is keyed by that event's
   * stream alone (no document folds events of two streams): a rebuild may
   * then fold the streams in parallel, partitioned by stream.
   */
  readonly perStream?: boolean;
  evolve(event: RecordedEvent, read: (key: string) => Doc | undefined): Iterable<readonly [string, Doc | null]>;
}

let lastAt = '';
let lastMs = Number.NaN;

/** When an event happened: the command's time from its metadata, else when the store recorded it. */
export const occurredAt = (event: RecordedEvent): number => {
  const at = event.metadata.occurredAt;
  if (typeof at === 'string') {
    // Consecutive events mostly share their instant: parse each distinct one once.
    if (at !== lastAt) {
      lastAt = at;
      lastMs = Date.parse(at);
    }
    if (!Number.isNaN(lastMs)) return lastMs;
  }
  return event.recordedAt.getTime();
};
