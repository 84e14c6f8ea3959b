// The embedded store's own door: code that runs where only SQLite is needed
// (a rebuild's worker threads) imports this, not ../index.ts, so it does not
// load the EventStoreDB client (≈ 130 ms of a worker's start).
export { openSqlitePartitionReader, type SqlitePartitionReader, type StreamPartition } from './partitionReader.ts';
