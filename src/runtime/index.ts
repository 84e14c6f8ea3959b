export { ConfigError, loadConfig, type ConfigInput, type EventStoreConfig, type SpillwayConfig } from './config.ts';
export { describeEventStore, openEventStore } from './openEventStore.ts';
export type { EventStore, RecordedEvent } from '../eventstore/index.ts';
export { StreamNotFoundError } from '../eventstore/index.ts';
export { createReadModels, occurredAt, type ReadModels, type RebuildProgress } from '../projections/index.ts';
export { openEngine, type Engine } from './engine.ts';
export { DEVELOPMENT_JWT_SECRET, type ApiConfig } from './config.ts';
export { serve, type RunningServer, type ServeOptions } from './serve.ts';
export { signToken, ROLES, type Role } from '../graphql/index.ts';
