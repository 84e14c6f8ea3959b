import type { RecordedEvent } from '../../eventstore/index.ts';
import { ROOM_EVENT_TYPES, type RoomEvent } from '../../domain/index.ts';
import { occurredAt, type DocumentProjection } from '../types.ts';

export interface OverflowRoomSummary {
  readonly roomId: string;
  readonly listeners: number;
  readonly capacity: number;
  readonly open: boolean;
  /** Spawned at prewarm and still warm (its warm-up has not ended). */
  readonly warm: boolean;
}

/** A room as its detail page shows it: who is on stage, hands in order, counts, overflow children. */
export interface RoomDetail {
  readonly roomId: string;
  readonly parentRoomId: string | null;
  readonly title: string;
  readonly state: 'live' | 'ended';
  readonly capacity: number;
  readonly speakerCapacity: number;
  readonly listenerCount: number;
  readonly familyListenerCount: number;
  readonly full: boolean;
  /** Listeners waiting for a seat in the family's queue (a main room's; 0 for an overflow room). */
  readonly queued: number;
  /** How many may wait at most (0: the room has no waiting room). */
  readonly queueCapacity: number;
  /** Opened at prewarm for an expected audience, until the family's warm-up ends. */
  readonly warm: boolean;
  /** Whether listeners may join (a room opened at prewarm waits for its session's start). */
  readonly doorsOpen: boolean;
  readonly speakers: readonly string[];
  readonly moderators: readonly string[];
  readonly hands: readonly string[];
  readonly invited: readonly string[];
  readonly headliner: { readonly userId: string; readonly expectedAudience: number; readonly arrived: boolean } | null;
  /** The open overflow rooms, in spawn order (a drained one leaves the list). */
  readonly overflow: readonly OverflowRoomSummary[];
  readonly openedAt: string | null;
  readonly endedAt: string | null;
  readonly endReason: string | null;
  /** Log position of the last event folded in. */
  readonly position: string;
}

/** A row of the room directory: live and scheduled main rooms, with their family's counts. */
export interface DirectoryEntry {
  readonly roomId: string;
  readonly title: string;
  readonly state: RoomDetail['state'];
  readonly capacity: number;
  readonly listenerCount: number;
  readonly familyListenerCount: number;
  readonly familySize: number;
  readonly full: boolean;
  readonly queued: number;
  readonly spilling: boolean;
  readonly warm: boolean;
  readonly doorsOpen: boolean;
  readonly headliner: RoomDetail['headliner'];
  readonly openedAt: string | null;
}

const without = (list: readonly string[], id: string): string[] => list.filter((x) => x !== id);
const withOne = (list: readonly string[], id: string): readonly string[] => (list.includes(id) ? list : [...list, id]);
const iso = (event: RecordedEvent): string => new Date(occurredAt(event)).toISOString();

const blank = (roomId: string): RoomDetail => ({
  roomId,
  parentRoomId: null,
  title: '',
  // Every room's stream begins with RoomOpened: a blank detail is only ever seen being opened.
  state: 'live',
  capacity: 0,
  speakerCapacity: 0,
  listenerCount: 0,
  familyListenerCount: 0,
  full: false,
  queued: 0,
  queueCapacity: 0,
  warm: false,
  doorsOpen: true,
  speakers: [],
  moderators: [],
  hands: [],
  invited: [],
  headliner: null,
  overflow: [],
  openedAt: null,
  endedAt: null,
  endReason: null,
  position: '-1',
});

/** The overflow rooms with `delta` more listeners in one of them (a loop: this runs for every overflow join). */
const addOverflowListeners = (
  overflow: readonly OverflowRoomSummary[],
  roomId: string,
  delta: number,
): OverflowRoomSummary[] => {
  const next = overflow.slice();
  for (let i = 0; i < next.length; i++) {
    const o = next[i]!;
    if (o.roomId === roomId) next[i] = { ...o, listeners: o.listeners + delta };
  }
  return next;
};

/** One listener fewer in `fromRoomId` (this room or one of its overflow rooms). */
const seatFreed = (room: RoomDetail, fromRoomId: string | null): Partial<RoomDetail> => {
  if (fromRoomId === null) return {};
  if (fromRoomId === room.roomId) {
    return { listenerCount: room.listenerCount - 1, familyListenerCount: room.familyListenerCount - 1 };
  }
  return {
    familyListenerCount: room.familyListenerCount - 1,
    overflow: addOverflowListeners(room.overflow, fromRoomId, -1),
  };
};

const changed = (room: RoomDetail, position: bigint, change: Partial<RoomDetail>): RoomDetail => ({
  ...room,
  ...change,
  position: String(position),
});

/**
 * Folds one event of a room's own stream into its detail. Pure; `roomAsOf`
 * folds a stream's prefix through the same function.
 */
export const evolveRoomDetail = (current: RoomDetail | undefined, recorded: RecordedEvent): RoomDetail => {
  const event = { type: recorded.type, data: recorded.data } as RoomEvent;
  const room = current ?? blank(event.data.roomId);
  const at = recorded.position;
  switch (event.type) {
    case 'RoomOpened': {
      const by = event.data.by;
      const main = event.data.parentRoomId === null;
      return changed(room, at, {
        state: 'live',
        title: event.data.title,
        capacity: event.data.capacity,
        speakerCapacity: event.data.speakerCapacity,
        queueCapacity: event.data.queueCapacity ?? 0,
        parentRoomId: event.data.parentRoomId,
        moderators: by !== null && main ? withOne(room.moderators, by) : room.moderators,
        speakers: by !== null && main ? withOne(room.speakers, by) : room.speakers,
        warm: event.data.prewarmed === true,
        doorsOpen: !(event.data.prewarmed === true && main),
        openedAt: iso(recorded),
      });
    }
    case 'ListenerAdmitted':
      return changed(room, at, {
        listenerCount: room.listenerCount + 1,
        familyListenerCount: room.familyListenerCount + 1,
      });
    case 'ListenerRedirectedToOverflow':
      return changed(room, at, {
        familyListenerCount: room.familyListenerCount + 1,
        overflow: addOverflowListeners(room.overflow, event.data.overflowRoomId, 1),
      });
    case 'ListenerLeft':
      return changed(room, at, {
        ...seatFreed(room, event.data.fromRoomId),
        hands: without(room.hands, event.data.userId),
      });
    case 'SpeakerLeft':
      return changed(room, at, {
        speakers: without(room.speakers, event.data.userId),
        hands: without(room.hands, event.data.userId),
      });
    case 'OverflowRoomSpawned':
      return changed(room, at, {
        overflow: [
          ...room.overflow,
          {
            roomId: event.data.overflowRoomId,
            listeners: 0,
            capacity: event.data.capacity,
            open: true,
            warm: event.data.prewarmed === true,
          },
        ],
      });
    case 'OverflowRoomDrained':
      // The live answer lists open overflow rooms only: a churning family spawns and drains hundreds.
      // Their history stays in the log, in analytics and in `roomAsOf` a moment they were open.
      return changed(room, at, { overflow: room.overflow.filter((o) => o.roomId !== event.data.overflowRoomId) });
    case 'RoomBecameFull':
      return changed(room, at, { full: true });
    case 'RoomHadSeatsAgain':
      return changed(room, at, { full: false });
    case 'ListenerQueued':
      return changed(room, at, { queued: room.queued + 1 });
    case 'ListenerAdmittedFromQueue':
    case 'ListenerLeftQueue':
      return changed(room, at, { queued: room.queued - 1 });
    case 'HandRaised':
      return changed(room, at, { hands: withOne(room.hands, event.data.userId) });
    case 'HandLowered':
      return changed(room, at, { hands: without(room.hands, event.data.userId) });
    case 'SpeakerInvited':
      return changed(room, at, { invited: withOne(room.invited, event.data.userId) });
    case 'SpeakerInviteAccepted':
    case 'HeadlinerArrived':
      return changed(room, at, {
        ...seatFreed(room, event.data.fromRoomId),
        speakers: withOne(room.speakers, event.data.userId),
        invited: without(room.invited, event.data.userId),
        hands: without(room.hands, event.data.userId),
        ...(event.type === 'HeadlinerArrived' && room.headliner
          ? { headliner: { ...room.headliner, arrived: true } }
          : {}),
      });
    case 'SpeakerMovedToAudience':
      return changed(room, at, { speakers: without(room.speakers, event.data.userId) });
    case 'ModeratorAdded':
      return changed(room, at, { moderators: withOne(room.moderators, event.data.userId) });
    case 'HeadlinerAnnounced':
      return changed(room, at, {
        headliner: { userId: event.data.userId, expectedAudience: event.data.expectedAudience, arrived: false },
      });
    case 'MediaSeatsGranted':
      // What media holds for the family is the capacity plan's; the room is as it was.
      return changed(room, at, {});
    case 'RoomDoorsOpened':
      return changed(room, at, { doorsOpen: true });
    case 'WarmUpEnded':
      return changed(room, at, {
        warm: false,
        overflow: room.overflow.map((o) => (o.warm ? { ...o, warm: false } : o)),
      });
    case 'RoomEnded':
      return changed(room, at, {
        state: 'ended',
        endedAt: iso(recorded),
        endReason: event.data.reason,
        queued: 0,
      });
    default: {
      const unknown: never = event;
      throw new TypeError(`Unknown room event ${JSON.stringify(unknown)}`);
    }
  }
};

export const toDirectoryEntry = (room: RoomDetail): DirectoryEntry => {
  let open = 0;
  for (const o of room.overflow) if (o.open) open++;
  return {
    roomId: room.roomId,
    title: room.title,
    state: room.state,
    capacity: room.capacity,
    listenerCount: room.listenerCount,
    familyListenerCount: room.familyListenerCount,
    familySize: 1 + open,
    full: room.full,
    queued: room.queued,
    spilling: open > 0,
    warm: room.warm,
    doorsOpen: room.doorsOpen,
    headliner: room.headliner,
    openedAt: room.openedAt,
  };
};

export const detailKey = (roomId: string): string => `detail:${roomId}`;
export const directoryKey = (roomId: string): string => `directory:${roomId}`;

/**
 * The room detail of every room (overflow rooms from their own streams), and
 * the directory entry of every main room, kept side by side.
 */
export const roomsProjection: DocumentProjection<RoomDetail | DirectoryEntry> = {
  name: 'rooms',
  // 2: drained overflow rooms leave `overflow`. 3: warm rooms and doors. 4: the waiting room's length.
  version: 4,
  perStream: true,
  handles: new Set<string>(ROOM_EVENT_TYPES),
  evolve(event, read) {
    const roomId = (event.data as { roomId: string }).roomId;
    const detail = evolveRoomDetail(read(detailKey(roomId)) as RoomDetail | undefined, event);
    return detail.parentRoomId === null
      ? [
          [detailKey(roomId), detail],
          [directoryKey(roomId), toDirectoryEntry(detail)],
        ]
      : [[detailKey(roomId), detail]];
  },
};
