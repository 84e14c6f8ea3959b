import { createHash } from 'node:crypto';
import type pg from 'pg';

const SCHEMA_VERSION = 1;

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
 * writes. A unit is all or nothing: its writes run in a subtransaction, and a
 * failed revision check rolls back that unit alone, reported in `conflict`
 * (the stream's actual revision, or 'none') on the write that failed, while
 * the other units commit. Rows come back one per write, in order.
 *
 * It sends no NOTIFY: a notifying commit costs several times a plain one
 * here and would be paid under the append lock. The appending store
 * announces its new head after the commit instead (headWatch.ts).
 */
const appendFunction = (s: LogSchema, key: bigint): string => `
CREATE OR REPLACE FUNCTION ${s.quoted}.append_events(
  p_units int[], p_streams text[], p_expected text[], p_counts int[],
  p_ids uuid[], p_types text[], p_data text[], p_metadata text[]
) RETURNS TABLE (next_revision bigint, last_position bigint, conflict text)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_head bigint;
  v_unit_head bigint;
  v_unit_offset int;
  v_actual bigint;
  v_expected text;
  v_w int := 0;
  v_i int;
  v_offset int := 0;
  v_revisions bigint[];
  v_positions bigint[];
  v_failed int;
  v_failed_actual text;
BEGIN
  PERFORM pg_advisory_xact_lock(${key});
  SELECT e.position INTO v_head FROM ${s.quoted}.events e ORDER BY e.position DESC LIMIT 1;
  v_head := coalesce(v_head, -1);
  FOR u IN 1 .. cardinality(p_units) LOOP
    v_revisions := '{}';
    v_positions := '{}';
    v_failed := NULL;
    v_unit_head := v_head;
    v_unit_offset := v_offset;
    BEGIN
      FOR k IN 1 .. p_units[u] LOOP
        v_i := v_w + k;
        v_actual := NULL;
        SELECT e.revision INTO v_actual FROM ${s.quoted}.events e
          WHERE e.stream_id = p_streams[v_i] ORDER BY e.revision DESC LIMIT 1;
        v_expected := p_expected[v_i];
        IF NOT (v_expected = 'any'
            OR (v_expected = 'no_stream' AND v_actual IS NULL)
            OR (v_expected = 'stream_exists' AND v_actual IS NOT NULL)
            OR (v_expected ~ '^[0-9]+$' AND v_actual IS NOT NULL AND v_actual = v_expected::bigint)) THEN
          v_failed := k;
          v_failed_actual := coalesce(v_actual::text, 'none');
          RAISE EXCEPTION USING ERRCODE = '${CONFLICT_SQLSTATE}';
        END IF;
        INSERT INTO ${s.quoted}.events (position, stream_id, revision, event_id, type, data, metadata)
          SELECT v_head + t.n, p_streams[v_i], coalesce(v_actual, -1) + t.n, t.id, t.type, t.data, t.metadata
          FROM unnest(
            p_ids[v_offset + 1 : v_offset + p_counts[v_i]], p_types[v_offset + 1 : v_offset + p_counts[v_i]],
            p_data[v_offset + 1 : v_offset + p_counts[v_i]], p_metadata[v_offset + 1 : v_offset + p_counts[v_i]]
          ) WITH ORDINALITY AS t(id, type, data, metadata, n);
        v_offset := v_offset + p_counts[v_i];
        v_head := v_head + p_counts[v_i];
        v_revisions := v_revisions || (coalesce(v_actual, -1) + p_counts[v_i]);
        v_positions := v_positions || v_head;
      END LOOP;
    EXCEPTION WHEN SQLSTATE '${CONFLICT_SQLSTATE}' THEN
      v_head := v_unit_head;
      v_offset := v_unit_offset;
      FOR k IN 1 .. p_units[u] LOOP
        v_offset := v_offset + p_counts[v_w + k];
      END LOOP;
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

/**
 * Creates the log's schema, table and append function if they are missing,
 * under a lock so several nodes starting at once do not race; refuses a
 * schema written by a newer Spillway. Data and metadata are stored as the
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
    if (version < SCHEMA_VERSION) {
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${s.quoted}.events (
          position    bigint      PRIMARY KEY,
          stream_id   text        NOT NULL,
          revision    bigint      NOT NULL,
          event_id    uuid        NOT NULL,
          type        text        NOT NULL,
          data        text        NOT NULL,
          metadata    text        NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now(),
          UNIQUE (stream_id, revision)
        )`);
      await client.query(appendFunction(s, lockKey(`spillway-append:${s.quoted}`)));
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
