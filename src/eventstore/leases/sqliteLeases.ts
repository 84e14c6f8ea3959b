import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { LeaseHolder, LeaseStore } from './types.ts';

/**
 * Leases in the shared SQLite file, for several nodes on the host that holds
 * it: one clock (the host's), and the file's write lock makes racing nodes
 * take turns through the same conditional upsert as on PostgreSQL.
 */
export const createSqliteLeaseStore = (path: string): LeaseStore => {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS leases (
    key        TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    address    TEXT    NOT NULL,
    epoch      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  )`);
  const upsert = db.prepare<
    [{ key: string; owner: string; address: string; now: number; ttl: number }],
    { owner: string; address: string; epoch: number; expires_at: number }
  >(
    `INSERT INTO leases AS l (key, owner, address, epoch, expires_at) VALUES (@key, @owner, @address, 1, @now + @ttl)
     ON CONFLICT (key) DO UPDATE
       SET owner = excluded.owner, address = excluded.address, expires_at = excluded.expires_at,
           epoch = CASE WHEN l.owner = excluded.owner THEN l.epoch ELSE l.epoch + 1 END
       WHERE l.owner = excluded.owner OR l.expires_at <= @now
     RETURNING owner, address, epoch, expires_at`,
  );
  const select = db.prepare<[string], { owner: string; address: string; epoch: number; expires_at: number }>(
    'SELECT owner, address, epoch, expires_at FROM leases WHERE key = ?',
  );
  const renew = db.prepare<[{ until: number; owner: string; now: number }], { key: string }>(
    'UPDATE leases SET expires_at = @until WHERE owner = @owner AND expires_at > @now RETURNING key',
  );
  const release = db.prepare<[number, string]>('UPDATE leases SET expires_at = ? WHERE owner = ?');
  const toHolder = (
    row: { owner: string; address: string; epoch: number; expires_at: number },
    now: number,
  ): LeaseHolder => ({
    owner: row.owner,
    address: row.address,
    epoch: BigInt(row.epoch),
    remainingMs: Math.max(0, row.expires_at - now),
  });
  return {
    async acquire(key, node, ttlMs) {
      const now = Date.now();
      const row = db
        .transaction(
          () => upsert.get({ key, owner: node.id, address: node.address, now, ttl: ttlMs }) ?? select.get(key),
        )
        .immediate();
      return toHolder(row!, now);
    },
    async renew(nodeId, ttlMs) {
      const now = Date.now();
      return renew.all({ until: now + ttlMs, owner: nodeId, now }).map((r) => r.key);
    },
    async release(nodeId) {
      release.run(Date.now(), nodeId);
    },
    async close() {
      if (db.open) db.close();
    },
  };
};
