import type { MediaNodeCommand, MediaPlacementCommand } from '../domain/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import { createCommandHandler } from './commandHandler.ts';
import { mediaNodeDecider, mediaPlacementDecider } from './deciders.ts';

/**
 * The command paths of media nodes' membership and of room media placement:
 * the one command handler, no mailbox. Both deciders are idempotent, so two
 * API nodes declaring the same loss, or placing the same room, record it once.
 */
export const createMediaCommands = (store: EventStore) => {
  const nodes = createCommandHandler(store, mediaNodeDecider);
  const placements = createCommandHandler(store, mediaPlacementDecider);
  return {
    node: (command: MediaNodeCommand) => nodes.handle(command.data.nodeId, command),
    placement: (command: MediaPlacementCommand) => placements.handle(command.data.familyId, command),
  };
};

export type MediaCommands = ReturnType<typeof createMediaCommands>;
