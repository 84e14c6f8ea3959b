import pg from 'pg';
import { translateAway } from '../postgres/pgErrors.ts';
import { logSchema } from '../postgres/schema.ts';
import type { LeaseHolder, LeaseStore } from './types.ts';

type HolderRow = [owner: string, address: string, epoch: string, remainingMs: string];
const toHolder = (row: HolderRow): LeaseHolder => ({
  owner: row[0],
  address: row[1],
  epoch: BigInt(row[2]),
  remainingMs: Math.max(0, Number(row[3])),
});

/**
 * Leases in a table beside the log's (same schema). Taking one is a single
 * conditional upsert: PostgreSQL's row lock on the key makes racing nodes
 * take turns, and the condition (free, expired or mine) lets only the first
 * one in; expiry is judged by the server's clock alone.
 */
export const createPostgresLeaseStore = (connectionString: string, options: { schema?: string } = {}): LeaseStore => {
  const s = logSchema(options.schema ?? 'spillway');
  const pool = new pg.Pool({ connectionString, max: 2, connectionTimeoutMillis: 2000, keepAlive: true });
  pool.on('error', () => undefined);
  const where = 'the lease table';
  const remaining = `(extract(epoch FROM (expires_at - now())) * 1000)::int8`;
  let ready: Promise<unknown> | undefined;
  const query = async (text: string, values: unknown[]): Promise<unknown[][]> => {
    try {
      ready ??= pool
        .query(
          `CREATE SCHEMA IF NOT EXISTS ${s.quoted};
           CREATE TABLE IF NOT EXISTS ${s.quoted}.leases (
             key        text        PRIMARY KEY,
             owner      text        NOT NULL,
             address    text        NOT NULL,
             epoch      bigint      NOT NULL,
             expires_at timestamptz NOT NULL
           )`,
        )
        .catch((error: unknown) => {
          ready = undefined;
          throw error;
        });
      await ready;
      return (await pool.query<unknown[]>({ text, values, rowMode: 'array' })).rows;
    } catch (error) {
      throw translateAway(error, where, 'nothing');
    }
  };
  return {
    async acquire(key, node, ttlMs) {
      const taken = await query(
        `INSERT INTO ${s.quoted}.leases AS l (key, owner, address, epoch, expires_at)
           VALUES ($1, $2, $3, 1, now() + $4 * interval '1 millisecond')
         ON CONFLICT (key) DO UPDATE
           SET owner = EXCLUDED.owner, address = EXCLUDED.address, expires_at = EXCLUDED.expires_at,
               epoch = CASE WHEN l.owner = EXCLUDED.owner THEN l.epoch ELSE l.epoch + 1 END
           WHERE l.owner = EXCLUDED.owner OR l.expires_at <= now()
         RETURNING owner, address, epoch, ${remaining}`,
        [key, node.id, node.address, ttlMs],
      );
      const row =
        taken[0] ??
        (await query(`SELECT owner, address, epoch, ${remaining} FROM ${s.quoted}.leases WHERE key = $1`, [key]))[0];
      // Between the refused upsert and the read the lease can only have changed hands, never vanished.
      return toHolder(row as HolderRow);
    },
    async renew(nodeId, ttlMs) {
      const rows = await query(
        `UPDATE ${s.quoted}.leases SET expires_at = now() + $2 * interval '1 millisecond'
          WHERE owner = $1 AND expires_at > now() RETURNING key`,
        [nodeId, ttlMs],
      );
      return rows.map((r) => r[0] as string);
    },
    async release(nodeId) {
      await query(`UPDATE ${s.quoted}.leases SET expires_at = now() WHERE owner = $1`, [nodeId]);
    },
    async close() {
      await pool.end();
    },
  };
};
