import { LISTENERS_PER_ROUTER, type RoomEvent } from '../../domain/index.ts';
import type { DocumentProjection } from '../types.ts';

export interface PlannedRoom {
  readonly roomId: string;
  readonly role: 'main' | 'overflow';
  readonly open: boolean;
  readonly listeners: number;
  readonly capacity: number;
  /** Routers this room needs: one, plus one per further `consumersPerRouter` listeners; none once closed. */
  readonly routers: number;
}

/** What media must exist for one room family: the desired state the media reconciler makes real. */
export interface CapacityPlan {
  readonly familyId: string;
  readonly state: 'live' | 'ended';
  readonly speakers: readonly string[];
  readonly rooms: readonly PlannedRoom[];
  /** An expected audience announced ahead (a headliner): overflow rooms to warm before it arrives. */
  readonly expectedAudience: number;
  /** Listeners its media nodes reserved seats for (MediaSeatsGranted); absent when its joins are not gated on media. */
  readonly mediaSeats?: number;
}

const routersFor = (listeners: number, open: boolean, perRouter: number): number =>
  open ? Math.max(1, Math.ceil(listeners / perRouter)) : 0;

export const createCapacityPlanProjection = (
  consumersPerRouter = LISTENERS_PER_ROUTER,
): DocumentProjection<CapacityPlan> => {
  const room = (r: Omit<PlannedRoom, 'routers'>): PlannedRoom => ({
    ...r,
    routers: routersFor(r.listeners, r.open, consumersPerRouter),
  });
  const adjust = (
    plan: CapacityPlan,
    roomId: string,
    change: (r: PlannedRoom) => Omit<PlannedRoom, 'routers'>,
  ): CapacityPlan => ({
    ...plan,
    rooms: plan.rooms.map((r) => (r.roomId === roomId ? room(change(r)) : r)),
  });
  /** The hot path of a surge (every join), written without a closure per event. */
  const addListeners = (plan: CapacityPlan, roomId: string, delta: number): CapacityPlan => {
    const rooms = plan.rooms.slice();
    for (let i = 0; i < rooms.length; i++) {
      const r = rooms[i]!;
      if (r.roomId === roomId) rooms[i] = room({ ...r, listeners: r.listeners + delta });
    }
    return { ...plan, rooms };
  };
  const freed = (plan: CapacityPlan, fromRoomId: string | null): CapacityPlan =>
    fromRoomId === null ? plan : addListeners(plan, fromRoomId, -1);
  const without = (list: readonly string[], id: string) => list.filter((x) => x !== id);
  const withOne = (list: readonly string[], id: string) => (list.includes(id) ? list : [...list, id]);

  return {
    name: 'capacityPlan',
    version: 2,
    perStream: true,
    // Only the main room's stream: it decides for the family.
    handles: new Set([
      'RoomOpened',
      'ListenerAdmitted',
      'ListenerRedirectedToOverflow',
      'ListenerLeft',
      'SpeakerLeft',
      'OverflowRoomSpawned',
      'OverflowRoomDrained',
      'SpeakerInviteAccepted',
      'HeadlinerArrived',
      'SpeakerMovedToAudience',
      'HeadlinerAnnounced',
      'MediaSeatsGranted',
      'RoomEnded',
    ]),
    evolve(recorded, read): Array<readonly [string, CapacityPlan]> {
      const event = { type: recorded.type, data: recorded.data } as RoomEvent;
      const familyId = event.data.roomId;
      if (event.type === 'RoomOpened') {
        if (event.data.parentRoomId !== null) return [];
        return [
          [
            familyId,
            {
              familyId,
              state: 'live',
              speakers: event.data.by === null ? [] : [event.data.by],
              rooms: [
                room({ roomId: familyId, role: 'main', open: true, listeners: 0, capacity: event.data.capacity }),
              ],
              expectedAudience: 0,
              ...(event.data.mediaGated === true ? { mediaSeats: 0 } : {}),
            },
          ],
        ];
      }
      const plan = read(familyId);
      if (!plan) return []; // an overflow room's own stream, or a room not yet opened
      switch (event.type) {
        case 'ListenerAdmitted':
          return [[familyId, addListeners(plan, familyId, 1)]];
        case 'ListenerRedirectedToOverflow':
          return [[familyId, addListeners(plan, event.data.overflowRoomId, 1)]];
        case 'ListenerLeft':
          return [[familyId, freed(plan, event.data.fromRoomId)]];
        case 'OverflowRoomSpawned':
          return [
            [
              familyId,
              {
                ...plan,
                rooms: [
                  ...plan.rooms,
                  room({
                    roomId: event.data.overflowRoomId,
                    role: 'overflow',
                    open: true,
                    listeners: 0,
                    capacity: event.data.capacity,
                  }),
                ],
              },
            ],
          ];
        case 'OverflowRoomDrained':
          return [[familyId, adjust(plan, event.data.overflowRoomId, (r) => ({ ...r, open: false }))]];
        case 'SpeakerInviteAccepted':
        case 'HeadlinerArrived': {
          const moved = freed(plan, event.data.fromRoomId);
          return [[familyId, { ...moved, speakers: withOne(moved.speakers, event.data.userId) }]];
        }
        case 'SpeakerLeft':
        case 'SpeakerMovedToAudience':
          return [[familyId, { ...plan, speakers: without(plan.speakers, event.data.userId) }]];
        case 'HeadlinerAnnounced':
          return [[familyId, { ...plan, expectedAudience: event.data.expectedAudience }]];
        case 'MediaSeatsGranted':
          return [[familyId, { ...plan, mediaSeats: event.data.seats }]];
        case 'RoomEnded':
          return [[familyId, { ...plan, state: 'ended', rooms: plan.rooms.map((r) => room({ ...r, open: false })) }]];
        default:
          return [];
      }
    },
  };
};
