import type { RoomCommand } from './commands.ts';
import { decide } from './decide.ts';
import { DomainError } from './errors.ts';
import type { RoomEvent } from './events.ts';
import { evolve, liveRegions, roomStatus, type RoomState } from './room.ts';
import { arrivesOnce, lifecycleRefusal, refusalOf } from './roomRules.ts';
import { admissionFromQueue } from './seating.ts';

/**
 * The machine refused an event after an earlier event of the same command was
 * applied: the state is half-way through the command, and its owner must
 * reload it from the log. It carries the refusing rule's code and sentence
 * (TRANSITION_REFUSED only when no rule refused: a fault of the decider).
 */
export class TransitionRefusedError extends DomainError {
  constructor(
    readonly event: RoomEvent,
    readonly stateChanged: boolean,
    reason?: DomainError,
  ) {
    super(
      reason?.code ?? 'TRANSITION_REFUSED',
      reason?.message ??
        `Room ${event.data.roomId} cannot record ${event.type} in its current state; reload the room and try again.`,
    );
  }
}

/** Why the room refuses `event` in `state`: the lifecycle rule or the guard's rule that does not hold. */
export const whyRefused = (state: RoomState, event: RoomEvent): DomainError | undefined => {
  const context = state.snapshot.context;
  const region = liveRegions(state)?.headliner;
  return (
    lifecycleRefusal(roomStatus(state), context.roomId || event.data.roomId, event.type) ??
    (event.type === 'HeadlinerArrived' && region ? arrivesOnce(region, context) : undefined) ??
    refusalOf(context, event)
  );
};

/**
 * Decides a command and applies its events, accepting each only if the
 * machine can take it (`snapshot.can(event)`) in the state reached so far.
 * A refusal of the first event changes nothing and is the rule's own error,
 * so a person is told what they can do about it, never "try again".
 *
 * Then, in the same step, the queue is admitted from, in order, for as long
 * as its head can be seated: whatever the command freed or grew (a leave, a
 * listener gone on stage, a spawn allowed again) goes to whoever waited
 * first, decided against the state the command left, before the next
 * command of the turn is decided. `observe` is told each event with the
 * state right after it (the overflow rooms' mirror reads that).
 */
export const execute = (
  state: RoomState,
  command: RoomCommand,
  observe?: (after: RoomState, event: RoomEvent) => void,
): { state: RoomState; events: RoomEvent[] } => {
  const events = decide(state, command);
  let next = state;
  const accept = (event: RoomEvent, index: number): void => {
    if (!next.snapshot.can(event)) {
      const reason = whyRefused(next, event);
      if (index === 0 && reason) throw reason;
      throw new TransitionRefusedError(event, index > 0, reason);
    }
    next = evolve(next, event);
    observe?.(next, event);
  };
  events.forEach(accept);
  if (roomStatus(next) === 'live' && next.snapshot.context.parentRoomId === null) {
    for (;;) {
      const admitted = admissionFromQueue(next.snapshot.context, command.metadata.at);
      if (!admitted) break;
      for (const event of admitted) {
        // Past the command's own events: a refusal here leaves the state half-way, never silently.
        accept(event, events.length + 1);
        events.push(event);
      }
    }
  }
  return { state: next, events };
};
