import { connectEventStoreDb, createSqliteEventStore, type EventStore } from '../eventstore/index.ts';
import type { EventStoreConfig } from './config.ts';

/** Opens the configured event store: the SQLite file by default, EventStoreDB when a URL is set. */
export const openEventStore = (config: EventStoreConfig): EventStore =>
  config.kind === 'sqlite' ? createSqliteEventStore(config.file) : connectEventStoreDb(config.url);

export const describeEventStore = (config: EventStoreConfig): string =>
  config.kind === 'sqlite' ? `SQLite file ${config.file}` : `EventStoreDB at ${config.url}`;
