import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { createPostgresLeaseStore, createRedisLeaseStore, createSqliteLeaseStore } from '../../src/eventstore/index.ts';
import { leaseStoreContract } from '../contracts/leaseStore.contract.ts';
import { freshSchema, POSTGRES_URL } from '../support/postgres.ts';
import { makeTempDir } from '../support/tempDir.ts';

const schema = freshSchema('leases');
const dir = makeTempDir('leases');
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const prefix = `test-leases-${randomUUID()}:`;
afterAll(async () => {
  await schema.drop();
  dir.remove();
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

leaseStoreContract('PostgreSQL', () => createPostgresLeaseStore(POSTGRES_URL, { schema: schema.name }));
leaseStoreContract('SQLite', () => createSqliteLeaseStore(join(dir.path, 'events.db')));
leaseStoreContract('Redis', () => createRedisLeaseStore(redisUrl, prefix));
