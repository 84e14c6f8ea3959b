import type { RoomEvent } from './events.ts';
import type { RoomState } from './room.ts';

export interface MirroredEvent {
  /** The overflow room whose own stream records the event. */
  readonly roomId: string;
  readonly event: RoomEvent;
}

/**
 * What one event of a main room's stream means for its overflow rooms' own
 * streams. The main room's stream is where seats are decided; an overflow
 * room's stream is derived from it, event by event, so each overflow room can
 * be read, replayed and subscribed to like any room.
 *
 * `after` is the family's state once `event` has been applied; `at` is when
 * (the command's time).
 */
export const mirrorToOverflowRooms = (after: RoomState, event: RoomEvent, at: string): MirroredEvent[] => {
  const { roomId: parentRoomId, settings, seats, overflowSpawned } = after.snapshot.context;
  const seatsOf = (roomId: string) => seats.overflow.get(roomId);
  const left = (roomId: string, userId: string): MirroredEvent[] => {
    const room = seatsOf(roomId);
    if (!room) return [];
    const mirrored: MirroredEvent[] = [
      { roomId, event: { type: 'ListenerLeft', data: { roomId, userId, fromRoomId: roomId } } },
    ];
    if (room.open && room.listeners === room.capacity - 1) {
      mirrored.push({ roomId, event: { type: 'RoomHadSeatsAgain', data: { roomId } } });
    }
    return mirrored;
  };

  switch (event.type) {
    case 'OverflowRoomSpawned': {
      const roomId = event.data.overflowRoomId;
      return [
        {
          roomId,
          event: {
            type: 'RoomOpened',
            data: {
              roomId,
              title: `${settings.title} (overflow ${overflowSpawned})`,
              capacity: event.data.capacity,
              speakerCapacity: 0,
              maxOverflowRooms: 0,
              by: null,
              parentRoomId,
              at,
              ...(event.data.prewarmed === true
                ? { prewarmed: true, expectedListeners: event.data.expectedListeners ?? 0 }
                : {}),
            },
          },
        },
      ];
    }
    case 'ListenerRedirectedToOverflow': {
      const roomId = event.data.overflowRoomId;
      const room = seatsOf(roomId);
      const mirrored: MirroredEvent[] = [
        { roomId, event: { type: 'ListenerAdmitted', data: { roomId, userId: event.data.userId } } },
      ];
      if (room && room.listeners === room.capacity)
        mirrored.push({ roomId, event: { type: 'RoomBecameFull', data: { roomId } } });
      return mirrored;
    }
    case 'ListenerLeft':
      return event.data.fromRoomId === parentRoomId ? [] : left(event.data.fromRoomId, event.data.userId);
    case 'SpeakerInviteAccepted':
    case 'HeadlinerArrived':
      return event.data.fromRoomId === null || event.data.fromRoomId === parentRoomId
        ? []
        : left(event.data.fromRoomId, event.data.userId);
    case 'OverflowRoomDrained': {
      const roomId = event.data.overflowRoomId;
      return [{ roomId, event: { type: 'RoomEnded', data: { roomId, by: null, reason: 'drained', at } } }];
    }
    case 'WarmUpEnded':
      // The warm rooms that stay open (someone sits in them) end their warm-up too.
      return [...seats.overflow]
        .filter(([, room]) => room.open && room.prewarmed === true)
        .map(([roomId]) => ({ roomId, event: { type: 'WarmUpEnded', data: { roomId, by: null, at: event.data.at } } }));
    case 'RoomEnded':
      return [...seats.overflow]
        .filter(([, room]) => room.open)
        .map(([roomId]) => ({
          roomId,
          event: { type: 'RoomEnded', data: { roomId, by: null, reason: 'parentEnded', at: event.data.at } },
        }));
    default:
      return [];
  }
};
