export { ConfigError, loadConfig, type ConfigInput, type EventStoreConfig, type SpillwayConfig } from './config.ts';
export { describeEventStore, openEventStore } from './openEventStore.ts';
export type { EventStore, RecordedEvent } from '../eventstore/index.ts';
