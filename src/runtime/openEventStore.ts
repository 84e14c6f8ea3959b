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
