import type { RecordedEvent } from '../../eventstore/index.ts';
import {
  dequeue,
  enqueue,
  familyRootOf,
  positionOf,
  waitingRoomOf,
  type RoomEvent,
  type WaitingRoom,
} from '../../domain/index.ts';
import type { DocumentProjection } from '../types.ts';

/**
 * Who waits in each family's queue, as documents: a `line:` document per
 * waiting ticket (keys in ticket order, from which `createQueueLines` loads a
 * family's line, in which a position is a rank),
 * and a `ticket:` document per listener who queued, saying whether they wait
 * still, were seated (and where) or left. Tickets count up per family in the
 * order the family's stream queued them, as in the domain.
 */
export interface FamilyQueue {
  /** Tickets handed out so far. */
  readonly issued: number;
  /** Who was admitted from the queue and awaits the seat event that follows (the same command). */
  readonly admitting: string | null;
  readonly ended: boolean;
}

export interface TicketDoc {
  readonly ticket: number;
  readonly status: 'waiting' | 'admitted' | 'left';
  /** The room the listener was seated in (once admitted). */
  readonly placedIn: string | null;
}

type WaitingRoomDoc = FamilyQueue | TicketDoc | { readonly userId: string };

export const familyQueueKey = (familyId: string): string => `family:${familyId}`;
export const ticketKey = (familyId: string, userId: string): string => `ticket:${familyId}:${userId}`;
/** Tickets padded, so that keys sort in ticket order. */
export const lineKey = (familyId: string, ticket: number): string =>
  `line:${familyId}:${String(ticket).padStart(12, '0')}`;

const HANDLED: readonly RoomEvent['type'][] = [
  'ListenerQueued',
  'ListenerAdmittedFromQueue',
  'ListenerLeftQueue',
  'ListenerAdmitted',
  'ListenerRedirectedToOverflow',
  'ListenerLeft',
  'RoomEnded',
];

export const waitingRoomProjection: DocumentProjection<WaitingRoomDoc> = {
  name: 'waitingRoom',
  version: 1,
  // Every document is keyed by the family, whose main room's stream holds all of its queue.
  perStream: true,
  handles: new Set<string>(HANDLED),
  *evolve(recorded: RecordedEvent, read) {
    const event = { type: recorded.type, data: recorded.data } as RoomEvent;
    const familyId = event.data.roomId;
    const family = (): FamilyQueue =>
      (read(familyQueueKey(familyId)) as FamilyQueue | undefined) ?? { issued: 0, admitting: null, ended: false };
    const ticketOf = (userId: string): TicketDoc | undefined =>
      read(ticketKey(familyId, userId)) as TicketDoc | undefined;
    switch (event.type) {
      case 'ListenerQueued': {
        const before = family();
        const ticket = before.issued + 1;
        yield [familyQueueKey(familyId), { ...before, issued: ticket }];
        yield [ticketKey(familyId, event.data.userId), { ticket, status: 'waiting', placedIn: null }];
        yield [lineKey(familyId, ticket), { userId: event.data.userId }];
        return;
      }
      case 'ListenerAdmittedFromQueue':
      case 'ListenerLeftQueue': {
        const { userId } = event.data;
        const own = ticketOf(userId);
        if (!own) return;
        const admitted = event.type === 'ListenerAdmittedFromQueue';
        yield [lineKey(familyId, own.ticket), null];
        yield [ticketKey(familyId, userId), { ...own, status: admitted ? 'admitted' : 'left' }];
        if (admitted) yield [familyQueueKey(familyId), { ...family(), admitting: userId }];
        return;
      }
      case 'ListenerAdmitted':
      case 'ListenerRedirectedToOverflow': {
        // Only the main room's stream: an overflow room's own stream mirrors these with its own id.
        const before = read(familyQueueKey(familyId)) as FamilyQueue | undefined;
        if (before?.admitting !== event.data.userId) return;
        const own = ticketOf(event.data.userId);
        const placedIn = event.type === 'ListenerAdmitted' ? event.data.roomId : event.data.overflowRoomId;
        if (own) yield [ticketKey(familyId, event.data.userId), { ...own, placedIn }];
        yield [familyQueueKey(familyId), { ...before, admitting: null }];
        return;
      }
      case 'ListenerLeft':
        // Seated once from the queue and gone: what the ticket said no longer holds.
        yield [ticketKey(familyId, event.data.userId), null];
        return;
      case 'RoomEnded': {
        const before = read(familyQueueKey(familyId)) as FamilyQueue | undefined;
        if (before) yield [familyQueueKey(familyId), { ...before, ended: true }];
        return;
      }
      default:
        return;
    }
  },
};

/** Where a listener stands with a family's queue, as the read models hold it. */
export type QueueStanding =
  | { readonly status: 'waiting'; readonly position: number; readonly waiting: number }
  | { readonly status: 'admitted'; readonly placedIn: string }
  | { readonly status: 'none' };

export interface WaitingRoomReads {
  read<Doc>(projection: string, key: string): Doc | undefined;
  list<Doc>(projection: string, after: string, before: string, limit: number): Array<{ key: string; doc: Doc }>;
  /** The generation of a projection that serves reads now. */
  generation(projection: string): bigint | undefined;
}

/**
 * The lines of the families' waiting rooms, in memory: a listener's position
 * is a rank in a Fenwick tree over tickets (the domain's own WaitingRoom), so
 * a standing costs O(log n) however long the line, where counting the line's
 * documents in SQLite walked the range (O(n) for every queued answer and for
 * every subscriber after every change). A family's line is loaded from the
 * documents the first time it is asked for, then follows every committed
 * batch (`apply`, told in log order right after the documents committed);
 * dropped when the family ends, or all at once when a rebuilt generation of
 * the read model is swapped in.
 */
export const createQueueLines = (reads: WaitingRoomReads) => {
  const lines = new Map<string, WaitingRoom>();
  let generation: bigint | undefined;

  const load = (familyId: string): WaitingRoom => {
    const family = reads.read<FamilyQueue>('waitingRoom', familyQueueKey(familyId));
    const start = `line:${familyId}:`;
    const tickets: Array<[string, number]> = [];
    for (let after = start; ;) {
      const page = reads.list<{ userId: string }>('waitingRoom', after, `${start}\uffff`, 5000);
      for (const { key, doc } of page) tickets.push([doc.userId, Number(key.slice(start.length))]);
      if (page.length < 5000) break;
      after = page.at(-1)!.key;
    }
    return waitingRoomOf(tickets, family?.issued ?? 0);
  };

  return {
    /** The family's line as the documents hold it now. */
    of(familyId: string): WaitingRoom {
      const now = reads.generation('waitingRoom');
      if (now !== generation) {
        lines.clear();
        generation = now;
      }
      let line = lines.get(familyId);
      if (!line) lines.set(familyId, (line = load(familyId)));
      return line;
    },
    /** A committed batch: the lines loaded so far follow it, as the projection did. */
    apply(events: readonly RecordedEvent[]): void {
      if (lines.size === 0) return;
      for (const event of events) {
        if (!HANDLED_BY_LINES.has(event.type)) continue;
        const data = event.data as { roomId: string; userId?: string };
        const line = lines.get(familyRootOf(data.roomId));
        if (!line) continue;
        if (event.type === 'ListenerQueued') enqueue(line, data.userId!);
        else if (event.type === 'RoomEnded') lines.delete(data.roomId);
        else dequeue(line, data.userId!);
      }
    },
    /** Families whose line is held. */
    held: (): number => lines.size,
  };
};

const HANDLED_BY_LINES: ReadonlySet<string> = new Set([
  'ListenerQueued',
  'ListenerAdmittedFromQueue',
  'ListenerLeftQueue',
  'RoomEnded',
]);

export type QueueLines = ReturnType<typeof createQueueLines>;

/** A listener's standing: their position a rank in the family's line (O(log n)). */
export const queueStanding = (
  reads: WaitingRoomReads,
  lines: QueueLines,
  familyId: string,
  userId: string,
): QueueStanding => {
  const family = reads.read<FamilyQueue>('waitingRoom', familyQueueKey(familyId));
  const own = reads.read<TicketDoc>('waitingRoom', ticketKey(familyId, userId));
  if (!family || family.ended || !own) return { status: 'none' };
  if (own.status === 'admitted')
    return own.placedIn ? { status: 'admitted', placedIn: own.placedIn } : { status: 'none' };
  if (own.status !== 'waiting') return { status: 'none' };
  const line = lines.of(familyId);
  const position = positionOf(line, userId);
  if (position === undefined) return { status: 'none' };
  return { status: 'waiting', position, waiting: line.tickets.size };
};
