import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { RecordedEvent } from '../types.ts';
import { COLUMNS, toRecordedEvent, type EventRow } from './rows.ts';

export interface StreamPartition {
  /** This reader's share, 0 ≤ index < count. */
  readonly index: number;
  readonly count: number;
}

/**
 * Which partition a stream falls in, as an SQL expression over `stream_id`:
 * its length and last two characters, so every event of a stream lands in
 * the same partition and SQLite skips the others' rows without handing them
 * to JavaScript.
 */
const PARTITION_OF_STREAM =
  '((length(stream_id) * 31 + unicode(substr(stream_id, -1)) * 7 + coalesce(unicode(substr(stream_id, -2, 1)), 0)) % ?)';

/**
 * Reads one SQLite log file, on its own read-only connection, in log order,
 * only the events of the streams in one partition: for work that folds each
 * stream on its own (a rebuild of per-stream read models) split across
 * threads or processes.
 */
export const openSqlitePartitionReader = (path: string, partition: StreamPartition) => {
  const { index, count } = partition;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`A stream partition needs 0 ≤ index < count, integers; got index ${index} of ${count}.`);
  }
  if (!existsSync(path)) throw new Error(`There is no SQLite log at ${path} to read.`);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  db.defaultSafeIntegers(true);
  const page = db
    .prepare<[bigint, bigint, number, number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE position >= ? AND position <= ? AND ${PARTITION_OF_STREAM} = ?
       ORDER BY position ASC LIMIT ?`,
    )
    .raw(true);
  return {
    /**
     * This partition's events from `from` to `until` (inclusive), at most
     * `maxCount`, and the position the read covered: the last event returned,
     * or `until` once the partition has nothing more below it.
     */
    read(from: bigint, until: bigint, maxCount: number): { events: RecordedEvent[]; through: bigint } {
      const rows = page.all(from, until, count, index, maxCount);
      return { events: rows.map(toRecordedEvent), through: rows.length < maxCount ? until : rows.at(-1)![0] };
    },
    close(): void {
      if (db.open) db.close();
    },
  };
};

export type SqlitePartitionReader = ReturnType<typeof openSqlitePartitionReader>;
