export type * from './types.ts';
export * from './errors.ts';
export { DEFAULT_MAX_EVENT_BYTES } from './validation.ts';
export { createSqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqliteEventStore.ts';
export {
  connectEventStoreDb,
  createEventStoreDbEventStore,
  type EventStoreDbEventStoreOptions,
} from './eventstoredb/eventStoreDbEventStore.ts';
export { createInMemorySnapshotStore, createSqliteSnapshotStore, type SnapshotStore } from './snapshotStore.ts';
export { openSqlitePartitionReader, type SqlitePartitionReader, type StreamPartition } from './sqlite/index.ts';
export {
  createPostgresEventStore,
  openPostgresEventStore,
  parsePostgresUrl,
  type PostgresEventStoreOptions,
} from './postgres/index.ts';
export {
  createPostgresLeaseStore,
  createRedisLeaseStore,
  createSqliteLeaseStore,
  type LeaseHolder,
  type LeaseNode,
  type LeaseStore,
} from './leases/index.ts';
