// A crowd joining one room family over HTTP, spread over several API nodes,
// and the family as the log holds it: used by the cluster tests and `bench cluster`.
import { signToken } from '../../src/runtime/index.ts';
import type { EventStore } from '../../src/eventstore/index.ts';
import { postGraphQL, TEST_SECRET } from './apiServer.ts';

export interface JoinReply {
  readonly user: string;
  readonly node: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Where the API said the listener was placed. */
  readonly roomId?: string;
  /** Where the API said the listener waits, when the family had no seat (Queued). */
  readonly queuedAt?: number;
  /** The error code the client got, or NETWORK when the node did not answer. */
  readonly error?: string;
}

/** Listener tokens for `count` users named `${prefix}-N`. */
export const listenerTokens = async (prefix: string, count: number): Promise<Array<[string, string]>> =>
  Promise.all(
    Array.from({ length: count }, async (_, i): Promise<[string, string]> => {
      const user = `${prefix}-${i}`;
      return [user, await signToken(TEST_SECRET, user, ['listener'])];
    }),
  );

const JOIN =
  'mutation($roomId: ID!) { joinRoom(roomId: $roomId) { __typename ... on Placement { role room { id } } ... on Queued { position } } }';
type JoinAnswer = { __typename: 'Placement'; room: { id: string } } | { __typename: 'Queued'; position: number };

/**
 * Joins every user, `concurrency` at a time; user i goes to `urls()[i % n]`
 * (a function, so a test can take a dead node out of the rotation).
 */
export const joinSurge = async (options: {
  readonly urls: () => readonly string[];
  readonly roomId: string;
  readonly users: ReadonlyArray<[string, string]>;
  readonly concurrency: number;
  readonly onReply?: (reply: JoinReply, done: number) => void;
}): Promise<JoinReply[]> => {
  const replies: JoinReply[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < options.users.length; i = next++) {
      const [user, token] = options.users[i]!;
      const urls = options.urls();
      const node = i % urls.length;
      const startedAt = performance.now();
      let reply: JoinReply;
      try {
        const answer = await postGraphQL<{ joinRoom: JoinAnswer }>(urls[node]!, JOIN, {
          token,
          variables: { roomId: options.roomId },
        });
        const joined = answer.data?.joinRoom;
        reply = answer.errors?.length
          ? { user, node, startedAt, endedAt: performance.now(), error: String(answer.errors[0]!.extensions?.code) }
          : joined?.__typename === 'Queued'
            ? { user, node, startedAt, endedAt: performance.now(), queuedAt: joined.position }
            : { user, node, startedAt, endedAt: performance.now(), roomId: joined!.room.id };
      } catch {
        reply = { user, node, startedAt, endedAt: performance.now(), error: 'NETWORK' };
      }
      replies.push(reply);
      options.onReply?.(reply, replies.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return replies;
};

export interface FamilyInLog {
  /** Each listener's room, from the main room's stream. */
  readonly placement: Map<string, string>;
  /** Listeners placed while already placed (must be none). */
  readonly placedTwice: string[];
  readonly capacity: Map<string, number>;
  readonly listeners: Map<string, number>;
  /** Who waits in the family's queue, in order. */
  readonly queue: string[];
  /** Who was admitted from the queue, in order. */
  readonly admittedFromQueue: string[];
  /** Listeners queued while placed, or placed while queued (must be none). */
  readonly queuedAndPlaced: string[];
}

/** Folds the family's main stream: where every listener is, and each room's cap. */
export const familyInLog = async (store: EventStore, roomId: string): Promise<FamilyInLog> => {
  const placement = new Map<string, string>();
  const placedTwice: string[] = [];
  const capacity = new Map<string, number>();
  const place = (user: string, room: string) => {
    if (placement.has(user)) placedTwice.push(user);
    placement.set(user, room);
  };
  const queue: string[] = [];
  const admittedFromQueue: string[] = [];
  const queuedAndPlaced: string[] = [];
  const unqueue = (user: string) => {
    const at = queue.indexOf(user);
    if (at >= 0) queue.splice(at, 1);
  };
  for (const e of await store.readStream(`room-${roomId}`)) {
    const data = e.data as { userId?: string; overflowRoomId?: string; capacity?: number };
    if (e.type === 'ListenerQueued') {
      if (placement.has(data.userId!) || queue.includes(data.userId!)) queuedAndPlaced.push(data.userId!);
      queue.push(data.userId!);
    }
    if (e.type === 'ListenerAdmittedFromQueue') {
      admittedFromQueue.push(data.userId!);
      unqueue(data.userId!);
    }
    if (e.type === 'ListenerLeftQueue') unqueue(data.userId!);
    if ((e.type === 'ListenerAdmitted' || e.type === 'ListenerRedirectedToOverflow') && queue.includes(data.userId!))
      queuedAndPlaced.push(data.userId!);
    if (e.type === 'RoomOpened') capacity.set(roomId, data.capacity!);
    if (e.type === 'OverflowRoomSpawned') capacity.set(data.overflowRoomId!, data.capacity!);
    if (e.type === 'ListenerAdmitted') place(data.userId!, roomId);
    if (e.type === 'ListenerRedirectedToOverflow') place(data.userId!, data.overflowRoomId!);
    if (e.type === 'ListenerLeft') placement.delete(data.userId!);
  }
  const listeners = new Map<string, number>();
  for (const room of placement.values()) listeners.set(room, (listeners.get(room) ?? 0) + 1);
  return { placement, placedTwice, capacity, listeners, queue, admittedFromQueue, queuedAndPlaced };
};
