import { randomUUID } from 'node:crypto';
import { createFamilyOwnership, type FamilyOwnership, type RoomCommands } from '../commands/index.ts';
import {
  createPostgresLeaseStore,
  createRedisLeaseStore,
  createSqliteLeaseStore,
  parsePostgresUrl,
  type EventStore,
  type LeaseStore,
} from '../eventstore/index.ts';
import type { SpillwayConfig } from './config.ts';
import { createHttpForwarder, startInternalChannel } from './internalChannel.ts';

export interface Cluster {
  /** The room command path every entry (API, scheduler) uses: decided here, or forwarded to the owner. */
  readonly commands: RoomCommands;
  readonly ownership: FamilyOwnership;
  /** This node's id in the leases, and where other nodes forward to it. */
  readonly node: { readonly id: string; readonly address: string };
  /** Gives up this node's leases and stops the internal channel. */
  close(): Promise<void>;
}

/**
 * Leases live beside the log (its SQLite file, its PostgreSQL schema); an
 * EventStoreDB log has no table for them, so they go to Redis there, under
 * the deployment's queue name.
 */
const openLeases = (config: SpillwayConfig): LeaseStore | undefined => {
  const log = config.eventStore;
  if (log.kind === 'sqlite') return createSqliteLeaseStore(log.file);
  if (log.kind === 'postgres') {
    const { connectionString, schema } = parsePostgresUrl(log.url);
    return createPostgresLeaseStore(connectionString, { schema });
  }
  return config.redisUrl ? createRedisLeaseStore(config.redisUrl, `spillway:${config.namespace}:leases:`) : undefined;
};

/** True for a host that means "every address of this machine" (0.0.0.0, ::): listened on, never dialled. */
export const isWildcardHost = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '[::]';

/**
 * The channel's own URL as a node may dial it: a wildcard listen address is
 * turned into loopback, which reaches it from this host (another host needs
 * SPILLWAY_INTERNAL_URL; serve warns when it is missing).
 */
const reachableUrl = (url: string): string =>
  url.replace(/^http:\/\/0\.0\.0\.0:/, 'http://127.0.0.1:').replace(/^http:\/\/\[::\]:/, 'http://[::1]:');

/**
 * Family ownership for this node: its internal channel, its leases, and the
 * room command path routed through them. Undefined for an EventStoreDB log
 * without Redis (nowhere to keep leases): every node then decides for itself,
 * and a conflict is reloaded and retried as on one node.
 */
export const startCluster = async (
  config: SpillwayConfig,
  engine: { readonly store: EventStore; readonly commands: RoomCommands },
  onInternalError?: (error: unknown) => void,
): Promise<Cluster | undefined> => {
  const leases = openLeases(config);
  if (!leases) return undefined;
  // A forward can only arrive once this node's address is in a lease, i.e. after `ownership` exists.
  const channel = await startInternalChannel({
    secret: config.cluster.secret,
    host: config.api.host,
    port: config.cluster.internalPort,
    decide: (command, retry) => ownership.decideForwarded(command, retry),
    ...(onInternalError ? { onInternalError } : {}),
  });
  const node = { id: randomUUID(), address: config.cluster.internalUrl ?? reachableUrl(channel.url) };
  const ownership = createFamilyOwnership({
    local: engine.commands,
    store: engine.store,
    leases,
    node,
    // A forward unanswered for a little longer than a lease is given up and routed again: an owner cut
    // off by the network has lost its lease by then, so the next attempt takes the family over; a slow
    // one answers the retry from its memory of the command id. Within the API's 10 s request deadline.
    forwarder: createHttpForwarder(config.cluster.secret, {
      timeoutMs: Math.min(10_000, config.cluster.leaseMs + 1000),
    }),
    leaseMs: config.cluster.leaseMs,
  });
  return {
    commands: { ...engine.commands, send: (command) => ownership.send(command) },
    ownership,
    node,
    async close() {
      await ownership.close();
      await channel.close();
      await leases.close();
    },
  };
};
