/**
 * A family's waiting room: the listeners who asked to join when it had no
 * seat, first come first served. Like the roster, it is kept outside the
 * machine's context and updated in place by `evolve`, so that queueing,
 * admitting from the head and leaving from the middle cost O(log n), and a
 * position is a rank, never a scan.
 *
 * Each queued listener holds a ticket (1, 2, 3, … over the room's life, in
 * the order they were queued); their position is how many tickets still
 * waiting are at or below theirs. `tickets` keeps insertion order, which is
 * ticket order. The head is found through `byTicket` and a cursor that only
 * moves forward, never through the Map's first key: a Map whose first entries
 * were deleted walks past every deleted slot to find its first live one, and
 * admitting a long queue from its head would cost O(n) per admission.
 */
export interface WaitingRoom {
  readonly tickets: Map<string, number>;
  /** Tickets handed out so far: the next one is `issued + 1`. */
  issued: number;
  /** A Fenwick tree over tickets (1-based; index 0 unused): 1 where a ticket is still waiting. */
  readonly ranks: number[];
  /** Who holds each ticket (index 0 unused), waiting or not any more. */
  readonly byTicket: string[];
  /** No ticket below it still waits: where the search for the head starts. */
  head: number;
}

export const emptyWaitingRoom = (): WaitingRoom => ({
  tickets: new Map(),
  issued: 0,
  ranks: [0],
  byTicket: [''],
  head: 1,
});

const lowBit = (i: number): number => i & -i;

/** How many tickets at or below `ticket` are still waiting. */
const rankOf = (room: WaitingRoom, ticket: number): number => {
  let sum = 0;
  for (let i = ticket; i > 0; i -= lowBit(i)) sum += room.ranks[i]!;
  return sum;
};

/** Queues `userId` at the back: their ticket is the next one. */
export const enqueue = (room: WaitingRoom, userId: string): void => {
  const ticket = room.issued + 1;
  room.issued = ticket;
  // A Fenwick tree grows at its end: the new cell covers (ticket - lowBit, ticket], of which only `ticket` is new.
  room.ranks.push(1 + rankOf(room, ticket - 1) - rankOf(room, ticket - lowBit(ticket)));
  room.tickets.set(userId, ticket);
  room.byTicket.push(userId);
};

/** Takes `userId` out of the queue, wherever they are in it. */
export const dequeue = (room: WaitingRoom, userId: string): void => {
  const ticket = room.tickets.get(userId);
  if (ticket === undefined) return;
  room.tickets.delete(userId);
  for (let i = ticket; i < room.ranks.length; i += lowBit(i)) room.ranks[i]! -= 1;
};

/** Where `userId` waits (1 is next), or undefined when they are not queued. */
export const positionOf = (room: WaitingRoom, userId: string): number | undefined => {
  const ticket = room.tickets.get(userId);
  return ticket === undefined ? undefined : rankOf(room, ticket);
};

/** Who is admitted next, if anyone waits: amortised O(1), the cursor passing each ticket once. */
export const headOf = (room: WaitingRoom): string | undefined => {
  if (room.tickets.size === 0) return undefined;
  for (;;) {
    const userId = room.byTicket[room.head]!;
    // A ticket still waits when its holder is queued on that very ticket (they may have left and queued again).
    if (room.tickets.get(userId) === room.head) return userId;
    room.head += 1;
  }
};

/** Rebuilds a waiting room from its tickets in queue order (a snapshot): O(n). */
export const waitingRoomOf = (tickets: ReadonlyArray<readonly [string, number]>, issued: number): WaitingRoom => {
  const ranks = new Array<number>(issued + 1).fill(0);
  for (const [, ticket] of tickets) ranks[ticket] = 1;
  for (let i = 1; i <= issued; i += 1) {
    const parent = i + lowBit(i);
    if (parent <= issued) ranks[parent]! += ranks[i]!;
  }
  const byTicket = new Array<string>(issued + 1).fill('');
  for (const [userId, ticket] of tickets) byTicket[ticket] = userId;
  return { tickets: new Map(tickets), issued, ranks, byTicket, head: tickets[0]?.[1] ?? issued + 1 };
};
