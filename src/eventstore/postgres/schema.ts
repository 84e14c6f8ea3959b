import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * 1: a row per event (`events`). 2: a row per write (`commits`), its events
 * one JSON array: a batch of 100 is one row and one index entry per index.
 * 3: `append_one` beside `append_events`, for a call that carries one write.
 */
const SCHEMA_VERSION = 3;

/** The SQLSTATE the append function raises, and catches, when a unit's revision check fails. */
export const CONFLICT_SQLSTATE = 'SW001';

/** A 63-bit advisory-lock key derived from a name, so each log (schema) has its own locks. */
const lockKey = (name: string): bigint => createHash('sha256').update(name).digest().readBigInt64BE(0) >> 1n;

export interface LogSchema {
  /** The schema's name, quoted for SQL. */
  readonly quoted: string;
  /** The LISTEN/NOTIFY channel appends announce the new head on. */
  readonly channel: string;
}

export const assertSchemaName = (schema: string): void => {
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(schema)) {
    throw new TypeError(
      `PostgreSQL schema "${schema}" must be 1 to 48 lower-case letters, digits or "_", starting with a letter or "_".`,
    );
  }
};

export const logSchema = (schema: string): LogSchema => {
  assertSchemaName(schema);
  return { quoted: `"${schema}"`, channel: `spillway_${schema}` };
};

/*
 * One row per write: the events one `appendToStreams` call adds to one
 * stream, at consecutive positions from `position` and consecutive revisions
 * from `revision`, as one JSON array of {eventId, type, data, metadata}
 * (`data` and `metadata` the writer's own JSON text, byte for byte). A batch
 * of a hundred events costs one row and one entry in each index, not a
 * hundred. Positions are contiguous across the log and revisions within a
 * stream, so a read from position (or revision) n of at most m events is
 * the rows from the one holding n to the one holding n + m - 1.
 */
const commitsTable = (s: LogSchema): string => `
CREATE TABLE IF NOT EXISTS ${s.quoted}.commits (
  position      bigint      PRIMARY KEY,
  last_position bigint      NOT NULL,
  stream_id     text        NOT NULL,
  revision      bigint      NOT NULL,
  count         int         NOT NULL CHECK (count > 0),
  events        text        NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, revision)
)`;

/*
 * The append function is the whole write path, so an append is one round
 * trip and one transaction, whatever it carries.
 *
 * It first takes the log's append lock (a transaction-scoped advisory lock),
 * so appends to one log commit one at a time and each takes its positions
 * from the head after the last commit. PostgreSQL makes a commit visible
 * before it releases the transaction's locks, so by the time an append can
 * read the head, every lower position is committed and visible: positions are
 * contiguous and become visible in order, and a subscriber that has read
 * position n can never later find a committed n - 1.
 *
 * One call carries several units (the `appendToStreams` calls the store
 * gathered while the previous call was in flight), each of one or more
 * writes, each write one row. A unit is all or nothing: its writes run in a
 * subtransaction, and a failed revision check rolls back that unit alone,
 * reported in `conflict` (the stream's actual revision, or 'none') on the
 * write that failed, while the other units commit. Rows come back one per
 * write, in order.
 *
 * It sends no NOTIFY: a notifying commit costs several times a plain one
 * here and would be paid under the append lock. The appending store
 * announces its new head after the commit instead (headWatch.ts).
 */
const appendFunction = (s: LogSchema, key: bigint): string => `
CREATE OR REPLACE FUNCTION ${s.quoted}.append_events(
  p_units int[], p_streams text[], p_expected text[], p_counts int[], p_events text[]
) RETURNS TABLE (next_revision bigint, last_position bigint, conflict text)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_head bigint;
  v_unit_head bigint;
  v_actual bigint;
  v_expected text;
  v_w int := 0;
  v_i int;
  v_revisions bigint[];
  v_positions bigint[];
  v_failed int;
  v_failed_actual text;
BEGIN
  PERFORM pg_advisory_xact_lock(${key});
  SELECT c.last_position INTO v_head FROM ${s.quoted}.commits c ORDER BY c.position DESC LIMIT 1;
  v_head := coalesce(v_head, -1);
  FOR u IN 1 .. cardinality(p_units) LOOP
    v_revisions := '{}';
    v_positions := '{}';
    v_failed := NULL;
    v_unit_head := v_head;
    BEGIN
      FOR k IN 1 .. p_units[u] LOOP
        v_i := v_w + k;
        v_actual := NULL;
        SELECT c.revision + c.count - 1 INTO v_actual FROM ${s.quoted}.commits c
          WHERE c.stream_id = p_streams[v_i] ORDER BY c.revision DESC LIMIT 1;
        v_expected := p_expected[v_i];
        IF NOT (v_expected = 'any'
            OR (v_expected = 'no_stream' AND v_actual IS NULL)
            OR (v_expected = 'stream_exists' AND v_actual IS NOT NULL)
            OR (v_expected ~ '^[0-9]+$' AND v_actual IS NOT NULL AND v_actual = v_expected::bigint)) THEN
          v_failed := k;
          v_failed_actual := coalesce(v_actual::text, 'none');
          RAISE EXCEPTION USING ERRCODE = '${CONFLICT_SQLSTATE}';
        END IF;
        INSERT INTO ${s.quoted}.commits (position, last_position, stream_id, revision, count, events)
          VALUES (v_head + 1, v_head + p_counts[v_i], p_streams[v_i], coalesce(v_actual, -1) + 1, p_counts[v_i], p_events[v_i]);
        v_head := v_head + p_counts[v_i];
        v_revisions := v_revisions || (coalesce(v_actual, -1) + p_counts[v_i]);
        v_positions := v_positions || v_head;
      END LOOP;
    EXCEPTION WHEN SQLSTATE '${CONFLICT_SQLSTATE}' THEN
      v_head := v_unit_head;
    END;
    FOR k IN 1 .. p_units[u] LOOP
      next_revision := CASE WHEN v_failed IS NULL THEN v_revisions[k] END;
      last_position := CASE WHEN v_failed IS NULL THEN v_positions[k] END;
      conflict := CASE WHEN k = v_failed THEN v_failed_actual END;
      RETURN NEXT;
    END LOOP;
    v_w := v_w + p_units[u];
  END LOOP;
END
$fn$`;

/*
 * The same append for a call that carries a single write (one unit of one
 * write: a lone append, or a lone batch), which is most calls when appends
 * come one at a time. Scalar arguments and one result row instead of arrays
 * and a set, both lookups in one statement, and no subtransaction (a failed
 * check has written nothing, so there is nothing to roll back): about a
 * sixth less server time per append than `append_events` on this machine,
 * with the same lock, order and answers.
 */
const appendOneFunction = (s: LogSchema, key: bigint): string => `
CREATE OR REPLACE FUNCTION ${s.quoted}.append_one(
  p_stream text, p_expected text, p_count int, p_events text,
  OUT next_revision bigint, OUT last_position bigint, OUT conflict text
) LANGUAGE plpgsql AS $fn$
DECLARE
  v_head bigint;
  v_actual bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(${key});
  SELECT coalesce((SELECT c.last_position FROM ${s.quoted}.commits c ORDER BY c.position DESC LIMIT 1), -1),
         (SELECT c.revision + c.count - 1 FROM ${s.quoted}.commits c
            WHERE c.stream_id = p_stream ORDER BY c.revision DESC LIMIT 1)
    INTO v_head, v_actual;
  IF NOT (p_expected = 'any'
      OR (p_expected = 'no_stream' AND v_actual IS NULL)
      OR (p_expected = 'stream_exists' AND v_actual IS NOT NULL)
      OR (p_expected ~ '^[0-9]+$' AND v_actual IS NOT NULL AND v_actual = p_expected::bigint)) THEN
    conflict := coalesce(v_actual::text, 'none');
    RETURN;
  END IF;
  INSERT INTO ${s.quoted}.commits (position, last_position, stream_id, revision, count, events)
    VALUES (v_head + 1, v_head + p_count, p_stream, coalesce(v_actual, -1) + 1, p_count, p_events);
  next_revision := coalesce(v_actual, -1) + p_count;
  last_position := v_head + p_count;
END
$fn$`;

/** Version 1's per-event rows, each made a write of one event; its table and function dropped. */
const fromVersion1 = (s: LogSchema): string[] => [
  `INSERT INTO ${s.quoted}.commits (position, last_position, stream_id, revision, count, events, recorded_at)
     SELECT position, position, stream_id, revision, 1,
       '[{"eventId":' || to_json(event_id::text)::text || ',"type":' || to_json(type)::text ||
       ',"data":' || data || ',"metadata":' || metadata || '}]',
       recorded_at
     FROM ${s.quoted}.events ORDER BY position`,
  `DROP FUNCTION IF EXISTS ${s.quoted}.append_events(int[], text[], text[], int[], uuid[], text[], text[], text[])`,
  `DROP TABLE ${s.quoted}.events`,
];

/**
 * Creates the log's schema, table and append functions if they are missing,
 * or upgrades an older log in place (one transaction; version 1's rows are
 * converted, version 2 gains `append_one`), under a lock so
 * several nodes starting at once do not race; refuses a schema written by a
 * newer Spillway. Data and metadata are stored as the
 * text the writer serialised: the store never looks inside them, so it keeps
 * them byte for byte (jsonb would reorder keys and refuse "\u0000") and
 * spends no server time parsing them.
 */
export const migrate = async (pool: pg.Pool, s: LogSchema): Promise<void> => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(${lockKey(`spillway-migrate:${s.quoted}`)})`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s.quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s.quoted}.schema_version (version int NOT NULL)`);
    const found = await client.query<{ version: number }>(`SELECT version FROM ${s.quoted}.schema_version`);
    const version = found.rows[0]?.version ?? 0;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `PostgreSQL schema ${s.quoted} has event-store schema version ${version}, newer than this Spillway understands (${SCHEMA_VERSION}); upgrade Spillway.`,
      );
    }
    if (version < 2) {
      await client.query(commitsTable(s));
      // lz4 packs a batch's row in about half pglz's time; a server built without it (or older than 14) keeps pglz.
      await client.query('SAVEPOINT compression');
      try {
        await client.query(`ALTER TABLE ${s.quoted}.commits ALTER COLUMN events SET COMPRESSION lz4`);
        await client.query('RELEASE SAVEPOINT compression');
      } catch {
        await client.query('ROLLBACK TO SAVEPOINT compression');
      }
      if (version === 1) for (const step of fromVersion1(s)) await client.query(step);
      await client.query(appendFunction(s, lockKey(`spillway-append:${s.quoted}`)));
    }
    if (version < SCHEMA_VERSION) {
      await client.query(appendOneFunction(s, lockKey(`spillway-append:${s.quoted}`)));
      await client.query(`DELETE FROM ${s.quoted}.schema_version`);
      await client.query(`INSERT INTO ${s.quoted}.schema_version (version) VALUES (${SCHEMA_VERSION})`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};
