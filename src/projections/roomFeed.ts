import { familyRootOf, type RoomEvent } from '../domain/index.ts';
import type { RecordedEvent } from '../eventstore/index.ts';
import { createFeedQueue, type LiveFeed } from './feedQueue.ts';
import type { RoomDetail } from './readModels/rooms.ts';

/**
 * What a room's live feed carries: typed changes, with counts coalesced.
 * Positions never decrease from one item to the next, on any topic: an
 * event's item has the event's position, and a coalesced count has the
 * position of the last event the feed had taken in when it was sent (the
 * count is exact as of that position).
 */
export type FeedItem =
  | {
      readonly kind: 'ListenerCountChanged';
      readonly roomId: string;
      readonly listenerCount: number;
      readonly familyListenerCount: number;
      readonly position: bigint;
    }
  | {
      readonly kind: 'SpeakersChanged';
      readonly roomId: string;
      readonly speakers: readonly string[];
      readonly position: bigint;
    }
  | {
      readonly kind: 'HandsChanged';
      readonly roomId: string;
      /** Every raised hand, in the order they went up. */
      readonly hands: readonly string[];
      /** Whose hand went up or down: the one subscriber besides the moderators who may see this change. */
      readonly changed: readonly string[];
      /** The room's moderators at the change: they see every hand (see `asSeenBy`). */
      readonly moderators: readonly string[];
      readonly position: bigint;
    }
  | {
      readonly kind: 'OverflowRoomSpawned' | 'OverflowRoomDrained';
      readonly roomId: string;
      readonly overflowRoomId: string;
      readonly position: bigint;
    }
  | {
      readonly kind: 'RoomBecameFull' | 'RoomHadSeatsAgain' | 'RoomOpened';
      readonly roomId: string;
      readonly position: bigint;
    }
  | {
      readonly kind: 'HeadlinerArrived' | 'SpeakerInvited';
      readonly roomId: string;
      readonly userId: string;
      readonly position: bigint;
    }
  | { readonly kind: 'RoomEnded'; readonly roomId: string; readonly reason: string; readonly position: bigint }
  | {
      /** The room's audio moved to another media node (its node was lost): its clients must reconnect. */
      readonly kind: 'MediaReconnectRequired';
      readonly roomId: string;
      /** The signaling steps to redo, in order (the API's query and mutation names). */
      readonly redo: readonly string[];
      readonly position: bigint;
    }
  | {
      readonly kind: 'SessionChanged';
      /** The room the session opens. */
      readonly roomId: string;
      readonly sessionId: string;
      readonly status: 'scheduled' | 'prewarmed' | 'opened' | 'cancelled';
      readonly startsAt: string | null;
      readonly position: bigint;
    };

const SESSION_STATUS: Record<string, 'scheduled' | 'prewarmed' | 'opened' | 'cancelled'> = {
  SessionScheduled: 'scheduled',
  SessionRescheduled: 'scheduled',
  SessionPrewarmed: 'prewarmed',
  SessionOpened: 'opened',
  SessionCancelled: 'cancelled',
};

/** A subscriber's live feed items: iterated, or pushed to a listener (see `LiveFeed`). */
export type FeedSubscription = LiveFeed<FeedItem>;

export interface RoomFeedOptions {
  /** Reads a room's detail as the read models hold it (after the batch is committed). */
  readonly readDetail: (roomId: string) => RoomDetail | undefined;
  /**
   * A room's listener count is sent at most once per this many ms: the first
   * change at once (when its batch is committed), later ones in the window
   * together at its end. Default 250.
   */
  readonly coalesceMs?: number;
  /** Items a subscriber may fall behind by before it is cut off. Default 10,000. */
  readonly maxBacklog?: number;
}

/** The topic of the directory feed: rooms opening, filling, spilling and ending. */
export const DIRECTORY = '*directory';

/**
 * The room feed: turns committed events into the items live subscriptions
 * carry. Listener-count changes are coalesced per room (a surge sends a few a
 * second, not one per join): a room's first change goes out with its batch,
 * then at most one count per window. Everything else goes out as it happens.
 * A subscriber to a room gets its whole family's items (overflow rooms too).
 */
export const createRoomFeed = (options: RoomFeedOptions) => {
  const coalesceMs = options.coalesceMs ?? 250;
  const maxBacklog = options.maxBacklog ?? 10_000;
  const subscribers = new Map<string, Set<{ push(item: FeedItem): void }>>();
  /** Rooms whose count changed since it was last sent: the position of the latest change. */
  const dirty = new Map<string, bigint>();
  /** Rooms whose count was sent less than `coalesceMs` ago: the window's end. */
  const windows = new Map<string, NodeJS.Timeout>();
  /** The position of the last event taken in: what a count sent now is exact as of. */
  let taken = -1n;
  /**
   * Main rooms' raised hands as last sent, so a leave sends HandsChanged
   * only if the leaver's hand was up. Known from a room's RoomOpened on; a
   * room opened before this process started is learnt at its first hand
   * event, which is sent whatever it was (its hands before are not known).
   */
  const handsSent = new Map<string, readonly string[]>();

  const taps = new Set<(topic: string, item: FeedItem) => void>();
  const publish = (topic: string, item: FeedItem): void => {
    for (const subscriber of subscribers.get(topic) ?? []) subscriber.push(item);
    for (const tap of taps) tap(topic, item);
  };
  const send = (item: FeedItem, toDirectory = false): void => {
    publish(familyRootOf(item.roomId), item);
    if (toDirectory) publish(DIRECTORY, item);
  };

  /** Sends a dirty room's count now and opens its window; at the window's end, whatever changed meanwhile. */
  const sendCount = (roomId: string): void => {
    const position = dirty.get(roomId);
    if (position === undefined) return;
    dirty.delete(roomId);
    const detail = options.readDetail(roomId);
    if (!detail) return;
    // Later than the change itself, never earlier than what already went out on the room's topics.
    send(
      {
        kind: 'ListenerCountChanged',
        roomId,
        listenerCount: detail.listenerCount,
        familyListenerCount: detail.familyListenerCount,
        position: taken > position ? taken : position,
      },
      detail.parentRoomId === null,
    );
    clearTimeout(windows.get(roomId));
    windows.set(
      roomId,
      setTimeout(() => {
        windows.delete(roomId);
        sendCount(roomId);
      }, coalesceMs),
    );
  };
  /** After a batch: the counts of rooms outside their window go out now; the others wait for its end. */
  const sendDueCounts = (): void => {
    for (const roomId of [...dirty.keys()]) if (!windows.has(roomId)) sendCount(roomId);
  };

  /** A producer's session changed: the directory shows what is coming. */
  const onSessionEvent = (
    recorded: RecordedEvent,
    status: 'scheduled' | 'prewarmed' | 'opened' | 'cancelled',
  ): void => {
    const data = recorded.data as { sessionId: string; roomId?: string; startsAt?: string };
    const item: FeedItem = {
      kind: 'SessionChanged',
      roomId: data.roomId ?? '',
      sessionId: data.sessionId,
      status,
      startsAt: data.startsAt ?? null,
      position: recorded.position,
    };
    publish(DIRECTORY, item);
  };

  /** A room placed anew after being on another node, or whose routers were lost where it is: its transports are gone. */
  const onMediaMoved = (recorded: RecordedEvent): void => {
    const data = recorded.data as { familyId: string; roomId: string; previousNodeId?: string | null; router?: number };
    if (data.previousNodeId === null) return; // placed for the first time: nobody is connected yet
    // Speakers produce on the main room's first router: only its move makes them produce again.
    const main = data.roomId === data.familyId && (data.router ?? 0) === 0;
    const consume = ['consumeSpeakers', 'resumeConsumer'];
    const transport = ['routerRtpCapabilities', 'createMediaTransport', 'connectMediaTransport'];
    const position = recorded.position;
    send({
      kind: 'MediaReconnectRequired',
      roomId: data.roomId,
      redo: [...transport, ...(main ? ['produceAudio'] : []), ...consume],
      position,
    });
    // The speakers produce anew where the main room went: every other room's listeners consume them again.
    if (main)
      for (const overflow of options.readDetail(data.familyId)?.overflow ?? [])
        if (overflow.open) send({ kind: 'MediaReconnectRequired', roomId: overflow.roomId, redo: consume, position });
  };

  /** A main room's hands after `userId`'s hand went up (`raised`) or came down, sent if that changed them. */
  const sendHands = (roomId: string, userId: string, raised: boolean, position: bigint): void => {
    const detail = options.readDetail(roomId);
    if (!detail || detail.parentRoomId !== null) return;
    const before = handsSent.get(roomId);
    let hands = detail.hands;
    if (before) {
      const had = before.includes(userId);
      if (had === raised) return;
      hands = raised ? [...before, userId] : before.filter((id) => id !== userId);
    }
    handsSent.set(roomId, hands);
    send({ kind: 'HandsChanged', roomId, hands, changed: [userId], moderators: detail.moderators, position });
  };

  const onEvent = (recorded: RecordedEvent): void => {
    if (recorded.position > taken) taken = recorded.position;
    const sessionStatus = SESSION_STATUS[recorded.type];
    if (sessionStatus) return onSessionEvent(recorded, sessionStatus);
    if (recorded.type === 'RoomMediaPlaced' || recorded.type === 'RoomMediaLost') return onMediaMoved(recorded);
    const event = { type: recorded.type, data: recorded.data } as RoomEvent;
    const roomId = event.data.roomId;
    const position = recorded.position;
    const detail = () => options.readDetail(roomId);
    switch (event.type) {
      case 'ListenerAdmitted':
      case 'ListenerRedirectedToOverflow':
      case 'ListenerLeft':
        dirty.set(roomId, position);
        if (event.type === 'ListenerLeft') sendHands(roomId, event.data.userId, false, position);
        break;
      case 'RoomOpened':
        if (event.data.parentRoomId === null) handsSent.set(roomId, []);
        send({ kind: 'RoomOpened', roomId, position }, event.data.parentRoomId === null);
        break;
      case 'RoomBecameFull':
      case 'RoomHadSeatsAgain':
        send({ kind: event.type, roomId, position }, true);
        break;
      case 'OverflowRoomSpawned':
      case 'OverflowRoomDrained':
        send({ kind: event.type, roomId, overflowRoomId: event.data.overflowRoomId, position }, true);
        break;
      case 'HandRaised':
      case 'HandLowered':
        sendHands(roomId, event.data.userId, event.type === 'HandRaised', position);
        break;
      case 'SpeakerInvited':
        send({ kind: 'SpeakerInvited', roomId, userId: event.data.userId, position });
        break;
      case 'SpeakerInviteAccepted':
      case 'SpeakerMovedToAudience':
      case 'SpeakerLeft':
        send({ kind: 'SpeakersChanged', roomId, speakers: detail()?.speakers ?? [], position });
        // Going on stage or leaving it takes a raised hand down (the read model's rule).
        if (event.type !== 'SpeakerMovedToAudience') {
          sendHands(roomId, event.data.userId, false, position);
          dirty.set(roomId, position);
        }
        break;
      case 'HeadlinerArrived':
        send({ kind: 'HeadlinerArrived', roomId, userId: event.data.userId, position }, true);
        send({ kind: 'SpeakersChanged', roomId, speakers: detail()?.speakers ?? [], position });
        sendHands(roomId, event.data.userId, false, position);
        if (event.data.fromRoomId !== null) dirty.set(roomId, position);
        break;
      case 'RoomEnded':
        sendCount(roomId);
        clearTimeout(windows.get(roomId));
        windows.delete(roomId);
        handsSent.delete(roomId);
        send({ kind: 'RoomEnded', roomId, reason: event.data.reason, position }, true);
        break;
      default:
        return;
    }
  };

  return {
    /** Hand it each committed batch (the projection runner's onBatch). */
    onBatch(events: readonly RecordedEvent[]): void {
      for (const event of events) onEvent(event);
      sendDueCounts();
    },

    /** Live items of a room's family (any of its rooms' ids), or of the directory (`DIRECTORY`). */
    subscribe(topic: string): FeedSubscription {
      const key = topic === DIRECTORY ? DIRECTORY : familyRootOf(topic);
      const set = subscribers.get(key) ?? new Set();
      const queue = createFeedQueue<FeedItem>(key, maxBacklog, () => set.delete(queue));
      set.add(queue);
      subscribers.set(key, set);
      return queue.subscription;
    },

    /** Every item as it is published, with its topic (a room family's id, or DIRECTORY); returns an untap. */
    tap(listener: (topic: string, item: FeedItem) => void): () => void {
      taps.add(listener);
      return () => taps.delete(listener);
    },

    /** Sends any coalesced counts now and stops the timers. */
    close(): void {
      for (const roomId of [...dirty.keys()]) sendCount(roomId);
      for (const window of windows.values()) clearTimeout(window);
      windows.clear();
    },
  };
};

export type RoomFeed = ReturnType<typeof createRoomFeed>;
