import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createPostgresLeaseStore, createSqliteLeaseStore } from '../../src/eventstore/index.ts';
import { leaseStoreContract } from '../contracts/leaseStore.contract.ts';
import { freshSchema, POSTGRES_URL } from '../support/postgres.ts';
import { makeTempDir } from '../support/tempDir.ts';

const schema = freshSchema('leases');
const dir = makeTempDir('leases');
afterAll(async () => {
  await schema.drop();
  dir.remove();
});

leaseStoreContract('PostgreSQL', () => createPostgresLeaseStore(POSTGRES_URL, { schema: schema.name }));
leaseStoreContract('SQLite', () => createSqliteLeaseStore(join(dir.path, 'events.db')));
