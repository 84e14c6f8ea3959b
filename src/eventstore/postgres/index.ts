export {
  createPostgresEventStore,
  openPostgresEventStore,
  parsePostgresUrl,
  type PostgresEventStoreOptions,
} from './postgresEventStore.ts';
