import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { replay, type RoomEvent } from '../../src/domain/index.ts';
import { GUARD_ONLY_EVENTS, roomMachine } from '../../src/domain/roomMachine.ts';
import { admitted, AT, full, left, opened, redirected, spawned, spilling } from './given.ts';

/** The machine's transitions, asserted as data: xstate's pure `transition` runs nothing. */
describe('room machine', () => {
  it('starts idle and opens into live with its three regions', () => {
    const [initial] = initialTransition(roomMachine);
    expect(initial.value).toBe('idle');
    const [live] = transition(roomMachine, initial, opened() as never);
    expect(live.value).toEqual({ live: { capacity: 'open', overflow: 'none', headliner: 'none' } });
    expect(live.context.settings).toEqual({
      title: 'Jazz at night',
      capacity: 3,
      speakerCapacity: 2,
      maxOverflowRooms: 2,
      queueCapacity: 0,
      spawnWindowMs: 600_000,
    });
  });

  it('goes idle → live → ended, and an ended room takes nothing', () => {
    expect(replay([]).snapshot.value).toBe('idle');
    const live = replay([opened()]);
    expect(Object.keys(live.snapshot.value as object)).toEqual(['live']);
    const ended = replay([opened(), { type: 'RoomEnded', data: { roomId: 'r', by: 'mod', reason: 'ended', at: AT } }]);
    expect(ended.snapshot.value).toBe('ended');
    expect(ended.snapshot.status).toBe('done');
    for (const event of [admitted('z'), spawned(1), opened()]) expect(ended.snapshot.can(event)).toBe(false);
  });

  it('guards the cap: no admission into a full room, full only at capacity', () => {
    const almost = replay([opened(), admitted('a'), admitted('b')]);
    expect(almost.snapshot.can(full())).toBe(false);
    expect(almost.snapshot.can(admitted('c'))).toBe(true);
    const atCap = replay([opened(), admitted('a'), admitted('b'), admitted('c')]);
    expect(atCap.snapshot.can(admitted('d'))).toBe(false);
    expect(atCap.snapshot.can(full())).toBe(true);
    const [isFull] = transition(roomMachine, atCap.snapshot, full() as never);
    expect((isFull.value as { live: { capacity: string } }).live.capacity).toBe('full');
  });

  it('spills into overflow rooms up to the limit, and back to none when the last drains', () => {
    const state = replay(spilling());
    expect((state.snapshot.value as { live: { overflow: string } }).live.overflow).toBe('spilling');
    expect(state.snapshot.can(spawned(1))).toBe(false);
    expect(state.snapshot.can(spawned(2))).toBe(true);
    const two = replay([...spilling(), spawned(2)]);
    expect(two.snapshot.can(spawned(3))).toBe(false);
    const drained: RoomEvent = { type: 'OverflowRoomDrained', data: { roomId: 'r', overflowRoomId: 'r.overflow-1' } };
    expect(state.snapshot.can(drained)).toBe(false);
    const empty = replay([...spilling(), left('d', 'r.overflow-1')]);
    expect(empty.snapshot.can(drained)).toBe(true);
    const [none] = transition(roomMachine, empty.snapshot, drained as never);
    expect((none.value as { live: { overflow: string } }).live.overflow).toBe('none');
  });

  it('redirects only into an open overflow room with a seat', () => {
    const state = replay(spilling());
    expect(state.snapshot.can(redirected('e', 1))).toBe(true);
    expect(state.snapshot.can(redirected('e', 7))).toBe(false);
    expect(replay([opened()]).snapshot.can(redirected('e', 1))).toBe(false);
  });

  it('holds that listener and hand events change neither value nor context, so evolve may skip them', () => {
    const state = replay([...spilling(), { type: 'HandRaised', data: { roomId: 'r', userId: 'a' } }]);
    const events: RoomEvent[] = [
      redirected('e', 1),
      left('a'),
      { type: 'HandRaised', data: { roomId: 'r', userId: 'b' } },
      { type: 'HandLowered', data: { roomId: 'r', userId: 'a', by: 'a' } },
    ];
    const fromEmpty = replay([opened()]);
    const [afterAdmit, actions] = transition(roomMachine, fromEmpty.snapshot, admitted('x') as never);
    expect(afterAdmit.value).toEqual(fromEmpty.snapshot.value);
    expect(afterAdmit.context).toStrictEqual(fromEmpty.snapshot.context);
    expect(actions.map((a) => a.type)).toEqual(['seatListener']);
    for (const event of events) {
      expect(GUARD_ONLY_EVENTS.has(event.type)).toBe(true);
      expect(state.snapshot.can(event)).toBe(true);
      const [next] = transition(roomMachine, state.snapshot, event as never);
      expect(next.value).toEqual(state.snapshot.value);
      expect(next.context).toStrictEqual(state.snapshot.context);
    }
  });
});
