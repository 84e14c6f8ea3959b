import type BetterSqlite3 from 'better-sqlite3';

const SCHEMA_VERSION = 1n;

/** Creates the log's table in a new file; refuses a file written by a newer Spillway. */
export const migrate = (db: BetterSqlite3.Database): void => {
  const version = db.pragma('user_version', { simple: true }) as bigint;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `This SQLite file has event-store schema version ${version}, newer than this Spillway understands (${SCHEMA_VERSION}); upgrade Spillway.`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS events (
      position    INTEGER PRIMARY KEY,
      stream_id   TEXT    NOT NULL,
      revision    INTEGER NOT NULL,
      event_id    TEXT    NOT NULL,
      type        TEXT    NOT NULL,
      data        TEXT    NOT NULL,
      metadata    TEXT    NOT NULL,
      recorded_at INTEGER NOT NULL,
      UNIQUE (stream_id, revision)
    );
    PRAGMA user_version = ${SCHEMA_VERSION};
  `);
};
