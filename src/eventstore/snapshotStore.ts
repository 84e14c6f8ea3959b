import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Snapshots of aggregates: a cache in front of their streams. Deleting every
 * snapshot changes no result, only how long a load takes.
 */
export interface SnapshotStore {
  load(streamId: string): Promise<{ readonly revision: bigint; readonly data: unknown } | undefined>;
  /** Keeps the snapshot if it is newer than the one stored. */
  save(streamId: string, revision: bigint, data: unknown): Promise<void>;
  close(): Promise<void>;
}

/** Snapshots in a table of their own, in the SQLite file of the log (or any other file). */
export const createSqliteSnapshotStore = (path: string): SnapshotStore => {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  // A snapshot lost in a crash is only a slower load: no fsync per snapshot.
  db.pragma('synchronous = NORMAL');
  db.defaultSafeIntegers(true);
  db.exec(`CREATE TABLE IF NOT EXISTS snapshots (
    stream_id TEXT PRIMARY KEY,
    revision  INTEGER NOT NULL,
    data      TEXT    NOT NULL
  )`);
  const select = db.prepare<[string], { revision: bigint; data: string }>(
    'SELECT revision, data FROM snapshots WHERE stream_id = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO snapshots (stream_id, revision, data) VALUES (?, ?, ?)
     ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, data = excluded.data
     WHERE excluded.revision > snapshots.revision`,
  );
  let closed = false;
  return {
    async load(streamId) {
      const row = closed ? undefined : select.get(streamId);
      return row ? { revision: row.revision, data: JSON.parse(row.data) as unknown } : undefined;
    },
    async save(streamId, revision, data) {
      if (!closed) upsert.run(streamId, revision, JSON.stringify(data));
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
};

/** Snapshots in this process's memory: for the distributed store, where each node keeps its own cache. */
export const createInMemorySnapshotStore = (): SnapshotStore => {
  const snapshots = new Map<string, { revision: bigint; data: string }>();
  return {
    async load(streamId) {
      const found = snapshots.get(streamId);
      return found ? { revision: found.revision, data: JSON.parse(found.data) as unknown } : undefined;
    },
    async save(streamId, revision, data) {
      const current = snapshots.get(streamId);
      if (!current || current.revision < revision) snapshots.set(streamId, { revision, data: JSON.stringify(data) });
    },
    async close() {
      snapshots.clear();
    },
  };
};
