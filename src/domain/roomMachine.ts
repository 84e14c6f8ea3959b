import { and, assign, setup, type SnapshotFrom } from 'xstate';
import type { RoomEvent } from './events.ts';
import { initialRoomContext, SPAWN_WINDOW_MS, spawnsWithin, type RoomContext } from './roomContext.ts';
import {
  hasSeat,
  headlinerAnnounced,
  isAtCapacity,
  isEmptyOpenOverflow,
  isLastOpenOverflow,
  refusalOf,
} from './roomRules.ts';

export type { RoomContext } from './roomContext.ts';

const without = (list: readonly string[], id: string): string[] => list.filter((x) => x !== id);
const withOne = (list: readonly string[], id: string): string[] => (list.includes(id) ? [...list] : [...list, id]);

/**
 * A room's life: `idle → live → ended`, and within `live` three regions:
 * capacity `open ↔ full`, overflow `none ↔ spilling`, headliner
 * `none → awaited → present`. A room opened at prewarm is live with its
 * doors closed (`doorsOpen` in the context) until RoomDoorsOpened. Its events are the persisted domain events; its
 * guards are the room's rules (roomRules.ts): `followsTheRules` accepts an
 * event exactly when no rule refuses it. No timers and no invoked actors:
 * durable timers are scheduler jobs, side effects are reactors on the log.
 *
 * The listener events (admitted, redirected, left, queued, out of the queue) and hands are targetless
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
    followsTheRules: ({ context, event }) => refusalOf(context, event) === undefined,
    hasSeat: ({ context }) => hasSeat.holds(context),
    isAtCapacity: ({ context }) => isAtCapacity(context),
    isLastOpenOverflow: ({ context }) => isLastOpenOverflow(context),
    hasHeadliner: ({ context }) => headlinerAnnounced.holds(context),
    drainsAnEmptyOverflowRoom: ({ context, event }) =>
      event.type === 'OverflowRoomDrained' && isEmptyOpenOverflow(context, event.data.overflowRoomId),
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
    queueListener: () => undefined,
    unqueueListener: () => undefined,
    closeOverflowRoom: () => undefined,
    configure: assign(({ event }) => {
      if (event.type !== 'RoomOpened') return {};
      const { roomId, title, capacity, speakerCapacity, maxOverflowRooms, mediaGated, parentRoomId } = event.data;
      const prewarmed = event.data.prewarmed === true;
      // A room opened before the waiting room has none.
      const queueCapacity = event.data.queueCapacity ?? 0;
      const spawnWindowMs = event.data.spawnWindowMs ?? SPAWN_WINDOW_MS;
      return {
        roomId,
        settings: { title, capacity, speakerCapacity, maxOverflowRooms, queueCapacity, spawnWindowMs },
        mediaSeats: mediaGated === true ? 0 : null,
        // Doors are the main room's: an overflow room only mirrors what its parent admitted.
        doorsOpen: !(prewarmed && parentRoomId === null),
        warm: prewarmed,
      };
    }),
    grantMediaSeats: assign(({ event }) =>
      event.type === 'MediaSeatsGranted' ? { mediaSeats: event.data.seats } : {},
    ),
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
    countSpawn: assign(({ context, event }) => {
      const at = event.type === 'OverflowRoomSpawned' && event.data.at ? Date.parse(event.data.at) : Number.NaN;
      return {
        overflowSpawned: context.overflowSpawned + 1,
        ...(event.type === 'OverflowRoomSpawned' && event.data.prewarmed === true ? { warm: true } : {}),
        ...(Number.isNaN(at) ? {} : { recentSpawns: [...spawnsWithin(context, at), at] }),
      };
    }),
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
    openDoors: assign({ doorsOpen: true }),
    endWarmUp: assign({ warm: false }),
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
        RoomOpened: { target: 'live', actions: ['configure', 'openRoom'] },
      },
    },
    live: {
      type: 'parallel',
      on: {
        ListenerAdmitted: { guard: 'followsTheRules', actions: 'seatListener' },
        ListenerLeft: { guard: 'followsTheRules', actions: 'unseatListener' },
        ListenerQueued: { guard: 'followsTheRules', actions: 'queueListener' },
        ListenerAdmittedFromQueue: { guard: 'followsTheRules', actions: 'unqueueListener' },
        ListenerLeftQueue: { guard: 'followsTheRules', actions: 'unqueueListener' },
        HandRaised: { guard: 'followsTheRules', actions: 'raiseHand' },
        HandLowered: { guard: 'followsTheRules', actions: 'lowerHand' },
        SpeakerInvited: { guard: 'followsTheRules', actions: 'invite' },
        SpeakerInviteAccepted: { guard: 'followsTheRules', actions: 'takeTheStage' },
        SpeakerMovedToAudience: { guard: 'followsTheRules', actions: 'leaveTheStage' },
        SpeakerLeft: { guard: 'followsTheRules', actions: 'leaveTheStage' },
        ModeratorAdded: { guard: 'followsTheRules', actions: 'addModerator' },
        HeadlinerAnnounced: { guard: 'followsTheRules', actions: 'announceHeadliner' },
        MediaSeatsGranted: { guard: 'followsTheRules', actions: 'grantMediaSeats' },
        RoomDoorsOpened: { guard: 'followsTheRules', actions: 'openDoors' },
        WarmUpEnded: { guard: 'followsTheRules', actions: 'endWarmUp' },
        RoomEnded: { target: 'ended', guard: 'followsTheRules' },
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
              on: { OverflowRoomSpawned: { target: 'spilling', guard: 'followsTheRules', actions: 'countSpawn' } },
            },
            spilling: {
              on: {
                OverflowRoomSpawned: { guard: 'followsTheRules', actions: 'countSpawn' },
                ListenerRedirectedToOverflow: { guard: 'followsTheRules', actions: 'seatListenerInOverflow' },
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
              on: { HeadlinerArrived: { target: 'present', guard: 'followsTheRules', actions: 'takeTheStage' } },
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
  'ListenerQueued',
  'ListenerAdmittedFromQueue',
  'ListenerLeftQueue',
  'HandRaised',
  'HandLowered',
]);
