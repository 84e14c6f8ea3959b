import { createRoomCommands, type RoomCommandOptions, type RoomCommands } from '../commands/index.ts';
import {
  createInMemorySnapshotStore,
  createSqliteSnapshotStore,
  type EventStore,
  type SnapshotStore,
} from '../eventstore/index.ts';
import { createReadModels, type ReadModels, type RecordedEvent } from '../projections/index.ts';
import type { SpillwayConfig } from './config.ts';
import { openEventStore } from './openEventStore.ts';

export interface Engine {
  readonly store: EventStore;
  readonly snapshots: SnapshotStore;
  readonly commands: RoomCommands;
  readonly readModels: ReadModels;
  /** Drains the command mailboxes, stops the projections, closes the stores. */
  close(): Promise<void>;
}

export interface EngineOptions {
  readonly commands?: RoomCommandOptions;
  /** Told of every batch the read models commit (reactors: media, metrics). */
  readonly onBatch?: (events: readonly RecordedEvent[]) => void;
}

/**
 * The write and read sides together: the event store, the command path over
 * it, and the read models following it.
 */
export const openEngine = (config: SpillwayConfig, options: EngineOptions = {}): Engine => {
  const store = openEventStore(config.eventStore);
  const snapshots =
    config.eventStore.kind === 'sqlite'
      ? createSqliteSnapshotStore(config.eventStore.file)
      : createInMemorySnapshotStore();
  const readModels = createReadModels({
    store,
    path: config.readModelsFile,
    ...(config.eventStore.kind === 'sqlite' ? { eventsFile: config.eventStore.file } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  });
  const commands = createRoomCommands(store, snapshots, {
    held: config.heldRooms,
    turnGatherMs: config.turnGatherMs,
    // Media on other hosts: a family admits listeners only within the seats its media nodes hold for it.
    gateJoinsOnMedia: config.mediaCluster !== undefined,
    // Every room this deployment opens, from the API or a session's job, gets its waiting room and spawn window.
    roomDefaults: { queueCapacity: config.api.queueCapacity, spawnWindowMs: config.spawnWindowMs },
    ...options.commands,
    onAppended: (position) => readModels.runner.noteAppended(position),
  });
  readModels.start();
  return {
    store,
    snapshots,
    commands,
    readModels,
    async close() {
      await commands.close();
      await readModels.stop();
      await snapshots.close();
      await store.close();
    },
  };
};
