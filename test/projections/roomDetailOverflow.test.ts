import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../src/domain/index.ts';
import { evolveRoomDetail, toDirectoryEntry, type RoomDetail } from '../../src/projections/index.ts';
import type { RecordedEvent } from '../../src/projections/index.ts';

const settings = { title: 'Churn', capacity: 1, speakerCapacity: 5, maxOverflowRooms: 100 };
const fold = (events: RoomEvent[]): RoomDetail =>
  events.reduce<RoomDetail | undefined>(
    (room, event, i): RoomDetail =>
      evolveRoomDetail(room, {
        ...event,
        eventId: `e${i}`,
        streamId: 'room-r',
        metadata: {},
        revision: BigInt(i),
        position: BigInt(i),
        recordedAt: new Date(0),
      } satisfies RecordedEvent),
    undefined,
  )!;

describe('a room detail under overflow churn', () => {
  it('lists only the open overflow rooms: a drained one leaves the live answer', () => {
    const events: RoomEvent[] = [
      {
        type: 'RoomOpened',
        data: { roomId: 'r', ...settings, by: 'mod', parentRoomId: null, at: '2026-12-01T00:00:00Z' },
      },
      { type: 'ListenerAdmitted', data: { roomId: 'r', userId: 'u0' } },
    ];
    for (let n = 1; n <= 150; n++) {
      const overflowRoomId = `r.overflow-${n}`;
      events.push(
        { type: 'OverflowRoomSpawned', data: { roomId: 'r', overflowRoomId, capacity: 1 } },
        { type: 'ListenerRedirectedToOverflow', data: { roomId: 'r', userId: `u${n}`, overflowRoomId } },
      );
      // All but the last two drain again.
      if (n <= 148)
        events.push(
          { type: 'ListenerLeft', data: { roomId: 'r', userId: `u${n}`, fromRoomId: overflowRoomId } },
          { type: 'OverflowRoomDrained', data: { roomId: 'r', overflowRoomId } },
        );
    }
    const room = fold(events);
    expect(room.overflow).toEqual([
      { roomId: 'r.overflow-149', listeners: 1, capacity: 1, open: true, warm: false },
      { roomId: 'r.overflow-150', listeners: 1, capacity: 1, open: true, warm: false },
    ]);
    expect(room.familyListenerCount).toBe(3);
    expect(toDirectoryEntry(room)).toMatchObject({ familySize: 3, spilling: true });
    expect(JSON.stringify(room).length).toBeLessThan(2000);
  });
});
