import type { RecordedEvent } from '../../eventstore/index.ts';
import type { RoomEvent } from '../../domain/index.ts';
import type { DocumentProjection } from '../types.ts';

/**
 * Who waits in each family's queue, as documents a position can be counted
 * from: a `line:` document per waiting ticket (keys in ticket order, so a
 * listener's position is how many line documents sort at or before theirs),
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
  count(projection: string, after: string, before: string): number;
}

/** A listener's standing: their position counted from the line documents (one indexed range count). */
export const queueStanding = (reads: WaitingRoomReads, familyId: string, userId: string): QueueStanding => {
  const family = reads.read<FamilyQueue>('waitingRoom', familyQueueKey(familyId));
  const own = reads.read<TicketDoc>('waitingRoom', ticketKey(familyId, userId));
  if (!family || family.ended || !own) return { status: 'none' };
  if (own.status === 'admitted')
    return own.placedIn ? { status: 'admitted', placedIn: own.placedIn } : { status: 'none' };
  if (own.status !== 'waiting') return { status: 'none' };
  const start = `line:${familyId}:`;
  return {
    status: 'waiting',
    position: reads.count('waitingRoom', start, lineKey(familyId, own.ticket + 1)),
    waiting: reads.count('waitingRoom', start, `${start}\uffff`),
  };
};
