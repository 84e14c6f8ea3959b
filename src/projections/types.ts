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
  evolve(event: RecordedEvent, read: (key: string) => Doc | undefined): Iterable<readonly [string, Doc | null]>;
}

/** When an event happened: the command's time from its metadata, else when the store recorded it. */
export const occurredAt = (event: RecordedEvent): number => {
  const at = event.metadata.occurredAt;
  if (typeof at === 'string') {
    const ms = Date.parse(at);
    if (!Number.isNaN(ms)) return ms;
  }
  return event.recordedAt.getTime();
};
