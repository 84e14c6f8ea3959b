import { expect } from 'vitest';
import {
  DomainError,
  execute,
  replay,
  type DomainErrorCode,
  type MediaNodeProfile,
  type RoomCommand,
  type RoomEvent,
  type RoomState,
} from '../../src/domain/index.ts';

export const AT = '2026-11-28T21:00:00.000Z';
export const as = (actor: string) => ({ actor, at: AT });

/**
 * `given(events).when(command).then(events)` / `.thenThrows(code)`, after
 * emmett's decider specs, for any decider with a replay and an execute.
 */
export const deciderSpec =
  <Event, Command, State>(
    replayOf: (events: Event[]) => State,
    executeOn: (state: State, command: Command) => { state: State; events: Event[] },
  ) =>
  (...history: Event[]) => ({
    when: (command: Command) => ({
      then: (expected: Event[]): State => {
        const { state, events } = executeOn(replayOf(history), command);
        expect(events).toEqual(expected);
        return state;
      },
      thenThrows: (code: DomainErrorCode, message?: RegExp): DomainError => {
        let thrown: unknown;
        try {
          executeOn(replayOf(history), command);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(DomainError);
        const error = thrown as DomainError;
        expect(error.code).toBe(code);
        if (message) expect(error.message).toMatch(message);
        return error;
      },
    }),
  });

export const given = deciderSpec<RoomEvent, RoomCommand, RoomState>((events) => replay(events), execute);

export const settings = { title: 'Jazz at night', capacity: 3, speakerCapacity: 2, maxOverflowRooms: 2 };

/**
 * A live room "r" with capacity 3, moderated by "mod", and the events that made it. Without
 * `queueCapacity` it is recorded as before the waiting room: it has none.
 */
export const opened = (overrides: Partial<typeof settings & { queueCapacity: number }> = {}): RoomEvent => ({
  type: 'RoomOpened',
  data: { roomId: 'r', ...settings, ...overrides, by: 'mod', parentRoomId: null, at: AT },
});

/** Room "r" as `opened()`, gated on media seats (opened while media runs on other hosts). */
export const gatedOpened = (): RoomEvent => ({
  type: 'RoomOpened',
  data: { roomId: 'r', ...settings, by: 'mod', parentRoomId: null, at: AT, mediaGated: true },
});
export const mediaSeatsGranted = (seats: number): RoomEvent => ({
  type: 'MediaSeatsGranted',
  data: { roomId: 'r', seats, at: AT },
});

/** A media node's profile: node "b", capacity 10 unless told otherwise. */
export const nodeProfile = (overrides: Partial<MediaNodeProfile> = {}): MediaNodeProfile => ({
  nodeId: 'b',
  instanceId: 'i1',
  controlUrl: 'http://10.0.0.2:7000',
  announcedAddress: '10.0.0.2',
  workers: 1,
  capacity: 10,
  ...overrides,
});

export const admitted = (userId: string): RoomEvent => ({ type: 'ListenerAdmitted', data: { roomId: 'r', userId } });
export const full = (roomId = 'r'): RoomEvent => ({ type: 'RoomBecameFull', data: { roomId } });
export const spawned = (n: number, capacity = 3): RoomEvent => ({
  type: 'OverflowRoomSpawned',
  data: { roomId: 'r', overflowRoomId: `r.overflow-${n}`, capacity, at: AT },
});
export const redirected = (userId: string, n: number): RoomEvent => ({
  type: 'ListenerRedirectedToOverflow',
  data: { roomId: 'r', userId, overflowRoomId: `r.overflow-${n}` },
});
export const left = (userId: string, fromRoomId = 'r'): RoomEvent => ({
  type: 'ListenerLeft',
  data: { roomId: 'r', userId, fromRoomId },
});

/** Room "r" (capacity 3) with a, b, c in the main room and d in overflow room 1. */
export const spilling = (): RoomEvent[] => [
  opened(),
  admitted('a'),
  admitted('b'),
  admitted('c'),
  full(),
  spawned(1),
  redirected('d', 1),
];
