import { LISTENERS_PER_ROUTER, type RoomEvent } from '../../domain/index.ts';
import type { DocumentProjection } from '../types.ts';

export interface PlannedRoom {
  readonly roomId: string;
  readonly role: 'main' | 'overflow';
  readonly open: boolean;
  readonly listeners: number;
  readonly capacity: number;
  /**
   * Listeners the room was warmed for at prewarm, until the family's warm-up
   * ends (0: not warm). Its routers are sized for the larger of the two, so
   * they exist before the audience does.
   */
  readonly warmFor: number;
  /** Routers this room needs: one per `consumersPerRouter` listeners (or warmed-for listeners), at least one; none once closed. */
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

const routersFor = (listeners: number, warmFor: number, open: boolean, perRouter: number): number =>
  open ? Math.max(1, Math.ceil(Math.max(listeners, warmFor) / perRouter)) : 0;

/** What a prewarmed event asks for: the listeners it was warmed for (0 for an ordinary one). */
const warmForOf = (data: { readonly prewarmed?: true; readonly expectedListeners?: number }): number =>
  data.prewarmed === true ? (data.expectedListeners ?? 0) : 0;

export const createCapacityPlanProjection = (
  consumersPerRouter = LISTENERS_PER_ROUTER,
): DocumentProjection<CapacityPlan> => {
  const room = (r: Omit<PlannedRoom, 'routers'>): PlannedRoom => ({
    ...r,
    routers: routersFor(r.listeners, r.warmFor, r.open, consumersPerRouter),
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
    // 2: media seats granted, and (separately) warm rooms' warmFor; 3: both.
    version: 3,
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
      'WarmUpEnded',
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
                room({
                  roomId: familyId,
                  role: 'main',
                  open: true,
                  listeners: 0,
                  capacity: event.data.capacity,
                  warmFor: warmForOf(event.data),
                }),
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
                    warmFor: warmForOf(event.data),
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
        case 'WarmUpEnded':
          return [
            [familyId, { ...plan, rooms: plan.rooms.map((r) => (r.warmFor > 0 ? room({ ...r, warmFor: 0 }) : r)) }],
          ];
        case 'RoomEnded':
          return [[familyId, { ...plan, state: 'ended', rooms: plan.rooms.map((r) => room({ ...r, open: false })) }]];
        default:
          return [];
      }
    },
  };
};
