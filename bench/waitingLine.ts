// What the surge and waiting-room benches read back from a family's own
// stream once a load is over: who was queued and admitted from the queue, in
// log order and when (`recordedAt`, the server's clock), where each admitted
// listener was seated; and, with the load generator's records, each
// listener's time to a seat.
import type { EventStore } from '../src/eventstore/index.ts';
import { roomStreamId } from '../src/domain/index.ts';
import type { RequestRecord } from './joinLoad.ts';

export interface WaitingLine {
  /** Users in the order they were queued (ticket order). */
  readonly queued: readonly string[];
  /** Users in the order they were admitted from the queue, and when (ms since the epoch). */
  readonly admitted: ReadonlyArray<{ readonly user: string; readonly at: number }>;
  /** Where each admitted user was seated: the main room's id or an overflow room's. */
  readonly seatedIn: ReadonlyMap<string, string>;
  /** Users who left the queue before a seat came. */
  readonly leftQueue: number;
}

/** The family's waiting line as its stream has it, from revision `from` on. */
export const readWaitingLine = async (store: EventStore, familyId: string, from = 0n): Promise<WaitingLine> => {
  const queued: string[] = [];
  const admitted: Array<{ user: string; at: number }> = [];
  const seatedIn = new Map<string, string>();
  let leftQueue = 0;
  let admitting: string | undefined;
  for (const event of await store.readStream(roomStreamId(familyId), { from })) {
    const data = event.data as { userId?: string; overflowRoomId?: string };
    switch (event.type) {
      case 'ListenerQueued':
        queued.push(data.userId!);
        break;
      case 'ListenerAdmittedFromQueue':
        admitted.push({ user: data.userId!, at: event.recordedAt.getTime() });
        admitting = data.userId;
        break;
      case 'ListenerLeftQueue':
        leftQueue += 1;
        break;
      // An admission from the queue is followed, in the same append, by the seat it took.
      case 'ListenerAdmitted':
      case 'ListenerRedirectedToOverflow':
        if (data.userId === admitting) seatedIn.set(admitting!, data.overflowRoomId ?? familyId);
        admitting = undefined;
        break;
      default:
        break;
    }
  }
  return { queued, admitted, seatedIn, leftQueue };
};

/**
 * Whether admission followed the queue: the admitted are the first of the
 * queued, in the same order (nobody left the queue in these benches).
 * Undefined when it did; else a sentence naming the first disorder.
 */
export const admissionDisorder = (line: WaitingLine): string | undefined => {
  for (const [i, { user }] of line.admitted.entries()) {
    if (line.queued[i] !== user)
      return `admission ${i + 1} was ${user}, but position ${i + 1} in the queue was ${line.queued[i] ?? 'nobody'}`;
  }
  return undefined;
};

/**
 * Whether the Queued answers agree with the log: each queued user was told
 * the position their ListenerQueued has in the stream. Undefined when all
 * did; else a sentence naming the first that did not.
 */
export const positionDisagreement = (line: WaitingLine, records: readonly RequestRecord[]): string | undefined => {
  const rank = new Map(line.queued.map((user, i) => [user, i + 1]));
  for (const r of records) {
    if (r.typename !== 'Queued') continue;
    if (rank.get(r.user) !== r.position)
      return `${r.user} was told position ${r.position}, the log queued them ${rank.get(r.user) ?? 'never'}`;
  }
  return undefined;
};

export interface SeatTimes {
  /** Per listener answered Placement or Queued and seated: ms from its request to its seat. */
  readonly ms: Float64Array;
  readonly placed: number;
  readonly queued: number;
  /** Queued and not admitted from the queue by the time the log was read. */
  readonly unseated: number;
  /** Answered neither Placement nor Queued. */
  readonly refused: number;
}

/**
 * Time to a seat: a join answered Placement waited its HTTP answer; one
 * answered Queued waited until its ListenerAdmittedFromQueue was recorded.
 */
export const seatTimes = (records: readonly RequestRecord[], line: WaitingLine): SeatTimes => {
  const admittedAt = new Map(line.admitted.map(({ user, at }) => [user, at]));
  const ms: number[] = [];
  let placed = 0;
  let queued = 0;
  let unseated = 0;
  let refused = 0;
  for (const r of records) {
    if (r.typename === 'Placement') {
      placed += 1;
      ms.push(r.ms);
    } else if (r.typename === 'Queued') {
      queued += 1;
      const at = admittedAt.get(r.user);
      if (at === undefined) unseated += 1;
      else ms.push(at - r.sentAt);
    } else refused += 1;
  }
  return { ms: Float64Array.from(ms).sort(), placed, queued, unseated, refused };
};

/** The p-quantile of sorted values (NaN when there are none). */
export const quantile = (sorted: ArrayLike<number>, p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/** HTTP latencies of a load's records, sorted. */
export const latencies = (records: readonly RequestRecord[]): Float64Array =>
  Float64Array.from(records.map((r) => r.ms)).sort();
