import { and, assign, setup, type SnapshotFrom } from 'xstate';
import type { RoomSettings, RoomEvent } from './events.ts';
import { emptyLedger, type SeatLedger } from './seats.ts';

/**
 * The machine's context is small on purpose: settings, ids of the few people
 * with rights or a place on stage, and a reference to the seat ledger, which
 * `evolve` updates in place (see seats.ts) so a surge never copies a roster.
 */
export interface RoomContext {
  readonly roomId: string;
  readonly parentRoomId: string | null;
  readonly settings: RoomSettings;
  readonly moderators: readonly string[];
  readonly speakers: readonly string[];
  readonly invited: readonly string[];
  readonly headliner: { readonly userId: string; readonly expectedAudience: number } | null;
  /** Overflow rooms spawned over the room's life (their ids count up from 1). */
  readonly overflowSpawned: number;
  readonly seats: SeatLedger;
}

export const initialRoomContext = (): RoomContext => ({
  roomId: '',
  parentRoomId: null,
  settings: { title: '', capacity: 0, speakerCapacity: 0, maxOverflowRooms: 0 },
  moderators: [],
  speakers: [],
  invited: [],
  headliner: null,
  overflowSpawned: 0,
  seats: emptyLedger(),
});

const without = (list: readonly string[], id: string): string[] => list.filter((x) => x !== id);
const withOne = (list: readonly string[], id: string): string[] => (list.includes(id) ? [...list] : [...list, id]);
const openOverflowRooms = (context: RoomContext): number =>
  [...context.seats.overflow.values()].filter((room) => room.open).length;

/**
 * A room's life: `idle → scheduled → live → ended`, and within `live` three
 * regions: capacity `open ↔ full`, overflow `none ↔ spilling`, headliner
 * `none → awaited → present`. Its events are the persisted domain events; its
 * guards are the invariants. No timers and no invoked actors: durable timers
 * are scheduler jobs, side effects are reactors on the log.
 *
 * The listener events (admitted, redirected, left) and hands are targetless
 * and change no context: the machine guards them and names the roster action,
 * which `evolve` performs. `evolve` relies on that to skip the transition for
 * them (a test holds it to it).
 */
export const roomMachine = setup({
  types: {
    context: {} as RoomContext,
    events: {} as RoomEvent,
  },
  guards: {
    byModerator: ({ context, event }) => 'by' in event.data && context.moderators.includes(event.data.by ?? ''),
    endedBySomeoneWithTheRight: ({ context, event }) =>
      event.type === 'RoomEnded' && (event.data.reason !== 'ended' || context.moderators.includes(event.data.by ?? '')),
    hasSeat: ({ context }) => context.seats.listeners < context.settings.capacity,
    isAtCapacity: ({ context }) => context.seats.listeners >= context.settings.capacity,
    overflowHasSeat: ({ context, event }) => {
      if (event.type !== 'ListenerRedirectedToOverflow') return false;
      const room = context.seats.overflow.get(event.data.overflowRoomId);
      return room !== undefined && room.open && room.listeners < room.capacity;
    },
    maySpawnOverflow: ({ context, event }) =>
      event.type === 'OverflowRoomSpawned' &&
      context.parentRoomId === null &&
      !context.seats.overflow.has(event.data.overflowRoomId) &&
      openOverflowRooms(context) < context.settings.maxOverflowRooms,
    isLastOpenOverflow: ({ context }) => openOverflowRooms(context) === 1,
    drainsAnEmptyOverflowRoom: ({ context, event }) => {
      if (event.type !== 'OverflowRoomDrained') return false;
      const room = context.seats.overflow.get(event.data.overflowRoomId);
      return room !== undefined && room.open && room.listeners === 0;
    },
    mayInvite: ({ context, event }) =>
      event.type === 'SpeakerInvited' &&
      context.parentRoomId === null &&
      context.moderators.includes(event.data.by) &&
      !context.speakers.includes(event.data.userId),
    mayTakeTheStage: ({ context, event }) =>
      (event.type === 'SpeakerInviteAccepted' || event.type === 'HeadlinerArrived') &&
      !context.speakers.includes(event.data.userId) &&
      context.speakers.length < context.settings.speakerCapacity &&
      (event.type === 'HeadlinerArrived'
        ? context.headliner?.userId === event.data.userId
        : context.invited.includes(event.data.userId)),
    mayMoveToAudience: ({ context, event }) =>
      event.type === 'SpeakerMovedToAudience' &&
      context.speakers.includes(event.data.userId) &&
      (event.data.by === event.data.userId || context.moderators.includes(event.data.by)),
    isSpeaker: ({ context, event }) => event.type === 'SpeakerLeft' && context.speakers.includes(event.data.userId),
    mayLowerHand: ({ context, event }) =>
      event.type === 'HandLowered' &&
      (event.data.by === event.data.userId || context.moderators.includes(event.data.by)),
    hasHeadliner: ({ context }) => context.headliner !== null,
  },
  actions: {
    // Roster actions: `evolve` performs them on the roster and seat ledger,
    // outside the context, so they are no-ops here. Naming them also makes
    // `snapshot.can()` report these targetless transitions as possible.
    seatListener: () => undefined,
    seatListenerInOverflow: () => undefined,
    unseatListener: () => undefined,
    raiseHand: () => undefined,
    lowerHand: () => undefined,
    closeOverflowRoom: () => undefined,
    configure: assign(({ event }) => {
      if (event.type !== 'RoomScheduled' && event.type !== 'RoomOpened') return {};
      const { roomId, title, capacity, speakerCapacity, maxOverflowRooms } = event.data;
      return { roomId, settings: { title, capacity, speakerCapacity, maxOverflowRooms } };
    }),
    openRoom: assign(({ context, event }) => {
      if (event.type !== 'RoomOpened') return {};
      const by = event.data.by;
      const isMain = event.data.parentRoomId === null;
      return {
        parentRoomId: event.data.parentRoomId,
        moderators: by !== null && isMain ? withOne(context.moderators, by) : context.moderators,
        speakers: by !== null && isMain ? withOne(context.speakers, by) : context.speakers,
      };
    }),
    addScheduler: assign(({ context, event }) =>
      event.type === 'RoomScheduled' ? { moderators: withOne(context.moderators, event.data.by) } : {},
    ),
    countSpawn: assign(({ context }) => ({ overflowSpawned: context.overflowSpawned + 1 })),
    invite: assign(({ context, event }) =>
      event.type === 'SpeakerInvited' ? { invited: withOne(context.invited, event.data.userId) } : {},
    ),
    takeTheStage: assign(({ context, event }) =>
      event.type === 'SpeakerInviteAccepted' || event.type === 'HeadlinerArrived'
        ? {
            speakers: withOne(context.speakers, event.data.userId),
            invited: without(context.invited, event.data.userId),
          }
        : {},
    ),
    leaveTheStage: assign(({ context, event }) =>
      event.type === 'SpeakerMovedToAudience' || event.type === 'SpeakerLeft'
        ? { speakers: without(context.speakers, event.data.userId) }
        : {},
    ),
    addModerator: assign(({ context, event }) =>
      event.type === 'ModeratorAdded' ? { moderators: withOne(context.moderators, event.data.userId) } : {},
    ),
    announceHeadliner: assign(({ event }) =>
      event.type === 'HeadlinerAnnounced'
        ? { headliner: { userId: event.data.userId, expectedAudience: event.data.expectedAudience } }
        : {},
    ),
  },
}).createMachine({
  id: 'room',
  context: initialRoomContext,
  initial: 'idle',
  states: {
    idle: {
      on: {
        RoomScheduled: { target: 'scheduled', actions: ['configure', 'addScheduler'] },
        RoomOpened: { target: 'live', actions: ['configure', 'openRoom'] },
      },
    },
    scheduled: {
      on: {
        RoomOpened: { target: 'live', actions: ['configure', 'openRoom'] },
        HeadlinerAnnounced: { guard: 'byModerator', actions: 'announceHeadliner' },
        ModeratorAdded: { guard: 'byModerator', actions: 'addModerator' },
        RoomEnded: { target: 'ended', guard: 'endedBySomeoneWithTheRight' },
      },
    },
    live: {
      type: 'parallel',
      on: {
        ListenerAdmitted: { guard: 'hasSeat', actions: 'seatListener' },
        ListenerLeft: { actions: 'unseatListener' },
        HandRaised: { actions: 'raiseHand' },
        HandLowered: { guard: 'mayLowerHand', actions: 'lowerHand' },
        SpeakerInvited: { guard: 'mayInvite', actions: 'invite' },
        SpeakerInviteAccepted: { guard: 'mayTakeTheStage', actions: 'takeTheStage' },
        SpeakerMovedToAudience: { guard: 'mayMoveToAudience', actions: 'leaveTheStage' },
        SpeakerLeft: { guard: 'isSpeaker', actions: 'leaveTheStage' },
        ModeratorAdded: { guard: 'byModerator', actions: 'addModerator' },
        HeadlinerAnnounced: { guard: 'byModerator', actions: 'announceHeadliner' },
        RoomEnded: { target: 'ended', guard: 'endedBySomeoneWithTheRight' },
      },
      states: {
        capacity: {
          initial: 'open',
          states: {
            open: { on: { RoomBecameFull: { target: 'full', guard: 'isAtCapacity' } } },
            full: { on: { RoomHadSeatsAgain: { target: 'open', guard: 'hasSeat' } } },
          },
        },
        overflow: {
          initial: 'none',
          states: {
            none: {
              on: { OverflowRoomSpawned: { target: 'spilling', guard: 'maySpawnOverflow', actions: 'countSpawn' } },
            },
            spilling: {
              on: {
                OverflowRoomSpawned: { guard: 'maySpawnOverflow', actions: 'countSpawn' },
                ListenerRedirectedToOverflow: { guard: 'overflowHasSeat', actions: 'seatListenerInOverflow' },
                OverflowRoomDrained: [
                  {
                    target: 'none',
                    guard: and(['drainsAnEmptyOverflowRoom', 'isLastOpenOverflow']),
                    actions: 'closeOverflowRoom',
                  },
                  { guard: 'drainsAnEmptyOverflowRoom', actions: 'closeOverflowRoom' },
                ],
              },
            },
          },
        },
        headliner: {
          initial: 'none',
          states: {
            none: { always: { target: 'awaited', guard: 'hasHeadliner' } },
            awaited: {
              on: { HeadlinerArrived: { target: 'present', guard: 'mayTakeTheStage', actions: 'takeTheStage' } },
            },
            present: {},
          },
        },
      },
    },
    ended: { type: 'final' },
  },
});

export type RoomSnapshot = SnapshotFrom<typeof roomMachine>;

/** Events whose transition keeps the state value and context as they are (only guarded, with a roster action). */
export const GUARD_ONLY_EVENTS: ReadonlySet<RoomEvent['type']> = new Set([
  'ListenerAdmitted',
  'ListenerRedirectedToOverflow',
  'ListenerLeft',
  'HandRaised',
  'HandLowered',
]);
