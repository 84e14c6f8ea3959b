// The waiting room's own bookkeeping: the head is the earliest ticket still
// waiting, whatever left before it, re-queued or was restored from a snapshot.
import { describe, expect, it } from 'vitest';
import { dequeue, emptyWaitingRoom, enqueue, headOf, positionOf, waitingRoomOf } from '../../src/domain/waitingRoom.ts';

describe('waiting room head', () => {
  it('is the earliest ticket still waiting as the queue is admitted from its head and left from its middle', () => {
    const room = emptyWaitingRoom();
    expect(headOf(room)).toBeUndefined();
    for (let i = 0; i < 1000; i += 1) enqueue(room, `u${i}`);
    for (let i = 0; i < 1000; i += 3) dequeue(room, `u${i + 1}`); // leave from the middle
    const order: string[] = [];
    for (let head = headOf(room); head !== undefined; head = headOf(room)) {
      order.push(head);
      dequeue(room, head);
    }
    const expected = Array.from({ length: 1000 }, (_, i) => `u${i}`).filter((_, i) => i % 3 !== 1);
    expect(order).toEqual(expected);
    expect(room.tickets.size).toBe(0);
  });

  it('skips a ticket its holder gave up, even when they queued again later', () => {
    const room = emptyWaitingRoom();
    for (const u of ['a', 'b', 'c']) enqueue(room, u);
    dequeue(room, 'a');
    enqueue(room, 'a'); // at the back now, on a new ticket
    expect(headOf(room)).toBe('b');
    expect(positionOf(room, 'a')).toBe(3);
    dequeue(room, 'b');
    dequeue(room, 'c');
    expect(headOf(room)).toBe('a');
  });

  it('is the same after a snapshot is restored, and keeps working as the queue grows', () => {
    const room = emptyWaitingRoom();
    for (let i = 0; i < 10; i += 1) enqueue(room, `u${i}`);
    for (const u of ['u0', 'u1', 'u4']) dequeue(room, u);
    const restored = waitingRoomOf([...room.tickets], room.issued);
    expect(headOf(restored)).toBe('u2');
    dequeue(restored, 'u2');
    dequeue(restored, 'u3');
    expect(headOf(restored)).toBe('u5');
    enqueue(restored, 'late');
    expect(positionOf(restored, 'late')).toBe(6);
    for (const u of ['u5', 'u6', 'u7', 'u8', 'u9']) dequeue(restored, u);
    expect(headOf(restored)).toBe('late');
    expect(headOf(waitingRoomOf([], 12))).toBeUndefined();
  });
});
