export { ConfigError, loadConfig, type ConfigInput, type EventStoreConfig, type SpillwayConfig } from './config.ts';
export { describeEventStore, openEventStore } from './openEventStore.ts';
export type { EventStore, RecordedEvent } from '../eventstore/index.ts';
export { StreamNotFoundError } from '../eventstore/index.ts';
export { createReadModels, occurredAt, type ReadModels, type RebuildProgress } from '../projections/index.ts';
export { openEngine, type Engine } from './engine.ts';
