import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface StoredDoc {
  readonly position: bigint;
  readonly doc: unknown;
}

/**
 * Where read models live: one SQLite file (not the log's), documents by
 * (projection, generation, key), a checkpoint per generation, and which
 * generation serves reads. A rebuild writes a new generation while the old
 * one keeps serving, then swaps them in one transaction.
 */
export const openDocumentStore = (path: string) => {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  // Atomic (documents and checkpoint commit together) but not fsynced per
  // batch: a crash may lose the last batches, which are then applied again
  // from the older checkpoint, exactly once.
  db.pragma('synchronous = NORMAL');
  db.defaultSafeIntegers(true);
  db.exec(`
    CREATE TABLE IF NOT EXISTS projection_docs (
      projection TEXT NOT NULL, generation INTEGER NOT NULL, key TEXT NOT NULL,
      position INTEGER NOT NULL, doc TEXT NOT NULL,
      PRIMARY KEY (projection, generation, key)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS projection_checkpoints (
      projection TEXT NOT NULL, generation INTEGER NOT NULL, position INTEGER NOT NULL,
      PRIMARY KEY (projection, generation)
    );
    CREATE TABLE IF NOT EXISTS projection_active (
      projection TEXT PRIMARY KEY, generation INTEGER NOT NULL, version INTEGER NOT NULL
    );
  `);
  const selectDoc = db.prepare<[string, bigint, string], { position: bigint; doc: string }>(
    'SELECT position, doc FROM projection_docs WHERE projection = ? AND generation = ? AND key = ?',
  );
  const upsertDoc = db.prepare(
    `INSERT INTO projection_docs (projection, generation, key, position, doc) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (projection, generation, key) DO UPDATE SET position = excluded.position, doc = excluded.doc`,
  );
  const deleteDoc = db.prepare('DELETE FROM projection_docs WHERE projection = ? AND generation = ? AND key = ?');
  const listDocs = db.prepare<[string, bigint, string, string, number], { key: string; doc: string }>(
    `SELECT key, doc FROM projection_docs WHERE projection = ? AND generation = ? AND key > ? AND key < ?
     ORDER BY key LIMIT ?`,
  );
  const countDocs = db.prepare<[string, bigint, string, string], { n: bigint }>(
    'SELECT count(*) AS n FROM projection_docs WHERE projection = ? AND generation = ? AND key > ? AND key < ?',
  );
  const selectCheckpoint = db.prepare<[string, bigint], { position: bigint }>(
    'SELECT position FROM projection_checkpoints WHERE projection = ? AND generation = ?',
  );
  const upsertCheckpoint = db.prepare(
    `INSERT INTO projection_checkpoints (projection, generation, position) VALUES (?, ?, ?)
     ON CONFLICT (projection, generation) DO UPDATE SET position = excluded.position`,
  );
  const selectActive = db.prepare<[string], { generation: bigint; version: bigint }>(
    'SELECT generation, version FROM projection_active WHERE projection = ?',
  );
  const upsertActive = db.prepare(
    `INSERT INTO projection_active (projection, generation, version) VALUES (?, ?, ?)
     ON CONFLICT (projection) DO UPDATE SET generation = excluded.generation, version = excluded.version`,
  );
  const dropGeneration = db.prepare('DELETE FROM projection_docs WHERE projection = ? AND generation = ?');
  const dropCheckpoint = db.prepare('DELETE FROM projection_checkpoints WHERE projection = ? AND generation = ?');

  const writeBatch = (
    projection: string,
    generation: bigint,
    writes: Map<string, { position: bigint; doc: unknown }>,
    checkpoint: bigint,
  ): void => {
    for (const [key, { position, doc }] of writes) {
      if (doc === null) deleteDoc.run(projection, generation, key);
      else upsertDoc.run(projection, generation, key, position, JSON.stringify(doc));
    }
    upsertCheckpoint.run(projection, generation, checkpoint);
  };
  const commit = db.transaction(writeBatch);
  const together = db.transaction((body: () => void) => body());

  const swap = db.transaction((projection: string, from: bigint | undefined, to: bigint, version: number) => {
    upsertActive.run(projection, to, version);
    if (from !== undefined && from !== to) {
      dropGeneration.run(projection, from);
      dropCheckpoint.run(projection, from);
    }
  });

  return {
    read(projection: string, generation: bigint, key: string): StoredDoc | undefined {
      const row = selectDoc.get(projection, generation, key);
      return row ? { position: row.position, doc: JSON.parse(row.doc) as unknown } : undefined;
    },
    /** Documents whose keys fall in (after, before), in key order. */
    list(
      projection: string,
      generation: bigint,
      after = '',
      before = '\uffff',
      limit = 1000,
    ): Array<{ key: string; doc: unknown }> {
      return listDocs
        .all(projection, generation, after, before, limit)
        .map((row) => ({ key: row.key, doc: JSON.parse(row.doc) as unknown }));
    },
    /** How many documents' keys fall in (after, before): a range of the primary key, counted in SQLite. */
    count(projection: string, generation: bigint, after: string, before: string): number {
      return Number(countDocs.get(projection, generation, after, before)?.n ?? 0);
    },
    checkpoint(projection: string, generation: bigint): bigint {
      return selectCheckpoint.get(projection, generation)?.position ?? -1n;
    },
    /** Writes a batch's documents and the checkpoint atomically (inside `together`'s transaction when in one). */
    commit(
      projection: string,
      generation: bigint,
      writes: Map<string, { position: bigint; doc: unknown }>,
      checkpoint: bigint,
    ): void {
      if (db.inTransaction) writeBatch(projection, generation, writes, checkpoint);
      else commit.immediate(projection, generation, writes, checkpoint);
    },
    /**
     * Runs `body` in one transaction: the commits it makes (several
     * projections' batches) land together or not at all, for one commit's
     * cost instead of one each.
     */
    together(body: () => void): void {
      together.immediate(body);
    },
    active(projection: string): { generation: bigint; version: number } | undefined {
      const row = selectActive.get(projection);
      return row ? { generation: row.generation, version: Number(row.version) } : undefined;
    },
    /** Serves `to` from now on and drops `from`, in one transaction. */
    swap(projection: string, from: bigint | undefined, to: bigint, version: number): void {
      swap(projection, from, to, version);
    },
    dropGeneration(projection: string, generation: bigint): void {
      dropGeneration.run(projection, generation);
      dropCheckpoint.run(projection, generation);
    },
    close(): void {
      if (db.open) db.close();
    },
  };
};

export type DocumentStore = ReturnType<typeof openDocumentStore>;
