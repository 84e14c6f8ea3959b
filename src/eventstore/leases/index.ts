export type { LeaseHolder, LeaseNode, LeaseStore } from './types.ts';
export { createPostgresLeaseStore } from './postgresLeases.ts';
export { createSqliteLeaseStore } from './sqliteLeases.ts';
export { createRedisLeaseStore } from './redisLeases.ts';
