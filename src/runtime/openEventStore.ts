import {
  connectEventStoreDb,
  createSqliteEventStore,
  openPostgresEventStore,
  type EventStore,
} from '../eventstore/index.ts';
import { withoutPassword, type EventStoreConfig } from './config.ts';

/** Opens the configured event store: the SQLite file by default, else PostgreSQL or EventStoreDB at its URL. */
export const openEventStore = (config: EventStoreConfig): EventStore => {
  switch (config.kind) {
    case 'sqlite':
      return createSqliteEventStore(config.file);
    case 'postgres':
      return openPostgresEventStore(config.url);
    case 'eventstoredb':
      return connectEventStoreDb(config.url);
    default: {
      const unknown: never = config;
      throw new TypeError(`Unknown event store ${JSON.stringify(unknown)}.`);
    }
  }
};

export const describeEventStore = (config: EventStoreConfig): string => {
  switch (config.kind) {
    case 'sqlite':
      return `SQLite file ${config.file}`;
    case 'postgres':
      return `PostgreSQL at ${withoutPassword(config.url)}`;
    case 'eventstoredb':
      return `EventStoreDB at ${withoutPassword(config.url)}`;
    default: {
      const unknown: never = config;
      throw new TypeError(`Unknown event store ${JSON.stringify(unknown)}.`);
    }
  }
};

/**
 * Opens the configured store, reads its head and closes it again: a server
 * that is away fails here, before anything else starts, with the store's own
 * EventStoreUnavailableError.
 */
export const checkEventStore = async (config: EventStoreConfig): Promise<void> => {
  const store = openEventStore(config);
  try {
    await store.headPosition();
  } finally {
    await store.close();
  }
};
