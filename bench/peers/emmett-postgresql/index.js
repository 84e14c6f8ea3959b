// The one entry the benchmark imports, so the peer resolves from its own node_modules.
export { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
