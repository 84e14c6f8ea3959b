import type { RoomCommand } from './commands.ts';
import { decide } from './decide.ts';
import { DomainError } from './errors.ts';
import type { RoomEvent } from './events.ts';
import { evolve, type RoomState } from './room.ts';

/**
 * The machine refused an event that `decide` produced. The first event of a
 * command is checked before anything changes; a later one means the state was
 * already partly evolved, and its owner must reload it from the log.
 */
export class TransitionRefusedError extends DomainError {
  constructor(
    readonly event: RoomEvent,
    readonly stateChanged: boolean,
  ) {
    super(
      'TRANSITION_REFUSED',
      `Room ${event.data.roomId} cannot record ${event.type} in its current state; reload the room and try again.`,
    );
  }
}

/**
 * Decides a command and applies its events, accepting each only if the
 * machine can take it (`snapshot.can(event)`) in the state reached so far.
 */
export const execute = (state: RoomState, command: RoomCommand): { state: RoomState; events: RoomEvent[] } => {
  const events = decide(state, command);
  let next = state;
  events.forEach((event, index) => {
    if (!next.snapshot.can(event)) throw new TransitionRefusedError(event, index > 0);
    next = evolve(next, event);
  });
  return { state: next, events };
};
