// The waiting room under random interleavings of joins, leaves, queue leaves,
// joins asked again, and capacity that frees or grows (listeners going on
// stage and back, time letting a spawn through again, explicit admissions).
// After every step: positions are 1..n in the order listeners were queued,
// admission order is queue order, nobody is both queued and placed, seats and
// the queue's limit are exact, nobody waits while a seat is free; and
// replaying the log (or restoring a snapshot) gives the same queue.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DomainError,
  evolve,
  execute,
  fromSnapshotData,
  initialState,
  mirrorToOverflowRooms,
  queuePositionOf,
  replay,
  roomStatus,
  toSnapshotData,
  type RoomCommand,
  type RoomEvent,
  type RoomSnapshotData,
  type RoomState,
} from '../../src/domain/index.ts';
import {
  checkInvariants,
  checkOverflowStreams,
  ensure,
  ensureSame,
  ensureSameSummary,
  familyIsFull,
  familyListeners,
  OPENER,
  summarize,
  type OverflowStream,
} from './roomInvariants.ts';

const ROOM = 'r';
const T0 = Date.UTC(2026, 11, 1, 20, 0, 0);

type Step =
  | { readonly t: 'join' | 'leave' | 'leaveQueue' | 'joinAgain' | 'goOnStage' | 'stepDown'; readonly i: number }
  | { readonly t: 'later'; readonly minutes: number }
  | { readonly t: 'admit' }
  | { readonly t: 'grant'; readonly seats: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('join' as const), i: fc.nat(40) }), weight: 30 },
  { arbitrary: fc.record({ t: fc.constant('leave' as const), i: fc.nat(1000) }), weight: 12 },
  { arbitrary: fc.record({ t: fc.constant('leaveQueue' as const), i: fc.nat(1000) }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('joinAgain' as const), i: fc.nat(1000) }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('goOnStage' as const), i: fc.nat(1000) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('stepDown' as const), i: fc.nat(1000) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('later' as const), minutes: fc.integer({ min: 1, max: 12 }) }), weight: 2 },
  { arbitrary: fc.constant({ t: 'admit' as const }), weight: 2 },
  // Media seats granted to a gated family, up and down (a node joining, a node lost).
  { arbitrary: fc.record({ t: fc.constant('grant' as const), seats: fc.nat({ max: 10 }) }), weight: 3 },
);

interface Scenario {
  readonly capacity: number;
  readonly maxOverflowRooms: number;
  readonly queueCapacity: number;
  /** Gated on media seats (media on other hosts): one more bound on a seat. */
  readonly gated: boolean;
  readonly steps: Step[];
  readonly cuts: number[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  capacity: fc.integer({ min: 1, max: 3 }),
  maxOverflowRooms: fc.integer({ min: 0, max: 2 }),
  queueCapacity: fc.integer({ min: 0, max: 8 }),
  gated: fc.boolean(),
  steps: fc.array(stepArb, { minLength: 20, maxLength: 250, size: 'max' }),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
});

/** No seat for one more listener: the family is full, or media (for a gated family) has none. */
const noSeat = (state: RoomState, at: string): boolean => {
  const media = state.snapshot.context.mediaSeats;
  return familyIsFull(state, at) || (media !== null && familyListeners(state) >= media);
};

const pickFrom = (list: readonly string[], i: number): string | undefined =>
  list.length === 0 ? undefined : list[i % list.length];

interface Stats {
  queued: number;
  admitted: number;
  leftQueue: number;
  refusedFull: number;
  admittedAfterWait: number;
}

const runScenario = (scenario: Scenario, stats: Stats): void => {
  let clock = T0;
  const at = (): string => new Date(clock).toISOString();
  const command = (type: RoomCommand['type'], actor: string, data: object = {}): RoomCommand =>
    ({ type, data: { roomId: ROOM, ...data }, metadata: { actor, at: at() } }) as RoomCommand;

  const open = command('OpenRoom', OPENER, {
    title: 'Waiting room',
    capacity: scenario.capacity,
    speakerCapacity: 3,
    maxOverflowRooms: scenario.maxOverflowRooms,
    queueCapacity: scenario.queueCapacity,
    mediaGated: scenario.gated,
  });
  let state = initialState();
  const log: RoomEvent[] = [];
  // An independent aggregate evolved event by event, and the overflow rooms' mirrored streams.
  let shadow = initialState();
  const overflow = new Map<string, OverflowStream>();
  const record = (events: readonly RoomEvent[], when: string): void => {
    for (const event of events) {
      shadow = evolve(shadow, event);
      for (const { roomId, event: mirrored } of mirrorToOverflowRooms(shadow, event, when)) {
        const stream = overflow.get(roomId) ?? { state: initialState(), events: [] };
        overflow.set(roomId, stream);
        ensure(stream.state.snapshot.can(mirrored), `${roomId}'s own machine refuses mirrored ${mirrored.type}`);
        stream.state = evolve(stream.state, mirrored);
        stream.events.push(mirrored);
      }
      log.push(event);
    }
  };
  ({ state } = (() => {
    const result = execute(state, open);
    record(result.events, at());
    return result;
  })());

  /** The queue as the test knows it, from the events alone: who waits, in the order they were queued. */
  let line: string[] = [];
  const cuts = new Set(scenario.cuts.map((c) => c % scenario.steps.length));
  const users = Array.from({ length: 41 }, (_, i) => `u${i}`);
  const listeners = () =>
    [...state.roster.members]
      .filter(([, m]) => m.role === 'listener')
      .map(([id]) => id)
      .sort();

  /** Runs one command and checks everything after it. */
  const perform = (next: RoomCommand): void => {
    const actor = next.metadata.actor;
    const wasQueued = line.includes(actor);
    const positionBefore = queuePositionOf(state.snapshot.context, actor);
    const wasMember = state.roster.members.has(actor);
    const mustWait = line.length > 0 || noSeat(state, at());
    const queueWasFull = state.snapshot.context.waiting.tickets.size >= scenario.queueCapacity;
    const before = summarize(state);
    let result: { state: RoomState; events: RoomEvent[] } | undefined;
    let refusal: DomainError | undefined;
    try {
      result = execute(state, next);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refusal = error;
    }

    if (refusal) {
      ensure(refusal.code !== 'TRANSITION_REFUSED', `${next.type} by ${actor}: ${refusal.message}`);
      ensureSameSummary(summarize(state), before, `refused ${next.type} changed the state`);
      if (next.type === 'JoinRoom' && !wasMember && !wasQueued) {
        // A newcomer is refused only when they must wait and the queue is at its limit.
        // Without a waiting room the refusal is the bound's own: media's when media has no seat (asked first).
        const media = state.snapshot.context.mediaSeats;
        const mediaFull = media !== null && familyListeners(state) >= media;
        const code = scenario.queueCapacity === 0 && mediaFull ? 'MEDIA_CAPACITY' : 'ROOM_FULL';
        ensureSame(refusal.code, code, `JoinRoom by ${actor} refused`);
        ensure(mustWait && queueWasFull, `ROOM_FULL with a seat free, or room left in the queue (${refusal.message})`);
        stats.refusedFull += 1;
      }
      if (next.type === 'JoinRoom' && wasQueued) expect.fail(`${actor}, queued, was refused: ${refusal.message}`);
      return;
    }

    const { events } = result!;
    state = result!.state;
    record(events, at());

    // The events, one by one, against the line as the test keeps it.
    let ownDecision = true;
    events.forEach((event, i) => {
      switch (event.type) {
        case 'ListenerQueued':
          ensure(ownDecision, 'ListenerQueued after an admission from the queue');
          ensure(!line.includes(event.data.userId), `${event.data.userId} queued twice`);
          line.push(event.data.userId);
          ensureSame(event.data.position, line.length, `position ${event.data.userId} was queued at`);
          stats.queued += 1;
          break;
        case 'ListenerAdmittedFromQueue': {
          ownDecision = false;
          ensureSame(event.data.userId, line[0], 'admitted from the queue out of order');
          line.shift();
          const seat = events
            .slice(i + 1)
            .find((e) => e.type === 'ListenerAdmitted' || e.type === 'ListenerRedirectedToOverflow');
          ensure(
            seat !== undefined && (seat.data as { userId: string }).userId === event.data.userId,
            `${event.data.userId} was admitted from the queue without a seat event after it`,
          );
          stats.admitted += 1;
          break;
        }
        case 'ListenerLeftQueue':
          ensure(line.includes(event.data.userId), `${event.data.userId} left a queue they were not in`);
          line = line.filter((id) => id !== event.data.userId);
          stats.leftQueue += 1;
          break;
        default:
          break;
      }
    });

    if (next.type === 'JoinRoom' && !wasMember && !wasQueued) {
      const queued = events.some((e) => e.type === 'ListenerQueued' && e.data.userId === actor);
      ensureSame(queued, mustWait, `${actor} queued (${queued}) though they must wait (${mustWait})`);
    }
    if (next.type === 'JoinRoom' && wasQueued) {
      // Asked again while waiting: nothing of its own, and the same place unless the queue moved on.
      ensure(
        ownDecision ? events.length === 0 : events[0]?.type === 'ListenerAdmittedFromQueue',
        'a second join recorded something',
      );
      if (events.length === 0) {
        ensureSame(queuePositionOf(state.snapshot.context, actor), positionBefore, 'a second join moved the listener');
      }
      stats.admittedAfterWait += events.length > 0 ? 1 : 0;
    }

    // The queue after the step: the line, positions 1..n, nobody both queued and placed, the limit kept.
    const { waiting } = state.snapshot.context;
    const queued = [...waiting.tickets.keys()];
    if (queued.join(',') !== line.join(',')) expect(queued, 'the queue, in order').toEqual(line);
    line.forEach((id, i) => ensureSame(queuePositionOf(state.snapshot.context, id), i + 1, `position of ${id}`));
    for (const id of line) ensure(!state.roster.members.has(id), `${id} is both queued and placed`);
    ensure(
      waiting.tickets.size <= scenario.queueCapacity,
      `${waiting.tickets.size} waiting > ${scenario.queueCapacity}`,
    );
    // Work-conserving: after an accepted command, nobody waits while the family has a seat.
    if (roomStatus(state) === 'live' && line.length > 0) {
      ensure(noSeat(state, at()), `${line.length} waiting while a seat is free (after ${next.type})`);
    }
    checkInvariants(state);
    ensureSameSummary(summarize(shadow), summarize(state), 'event by event vs execute');
    checkOverflowStreams(state, overflow);
  };

  scenario.steps.forEach((step, index) => {
    clock += step.t === 'later' ? step.minutes * 60_000 : 1000;
    const context = state.snapshot.context;
    let next: RoomCommand | undefined;
    switch (step.t) {
      case 'join': {
        next = command('JoinRoom', users[step.i]!);
        break;
      }
      case 'leave': {
        const who = pickFrom([...state.roster.members.keys()].filter((id) => id !== OPENER).sort(), step.i);
        next = command('LeaveRoom', who ?? users[step.i % users.length]!);
        break;
      }
      case 'leaveQueue':
      case 'joinAgain': {
        const who = pickFrom(line, step.i) ?? users[step.i % users.length]!;
        next = command(step.t === 'leaveQueue' ? 'LeaveQueue' : 'JoinRoom', who);
        break;
      }
      case 'goOnStage': {
        // A listener (or someone queued) is invited and accepts: their seat, if any, frees.
        const who = pickFrom([...listeners(), ...line], step.i);
        if (!who || context.speakers.length >= context.settings.speakerCapacity) break;
        if (state.roster.members.has(who)) perform(command('InviteToSpeak', OPENER, { userId: who }));
        next = command('AcceptInvite', who);
        break;
      }
      case 'stepDown': {
        const who = pickFrom(
          context.speakers.filter((id) => id !== OPENER),
          step.i,
        );
        if (who) next = command('MoveToAudience', who, { userId: who });
        break;
      }
      case 'later':
        break;
      case 'admit':
        next = command('AdmitFromQueue', OPENER);
        break;
      case 'grant':
        next = command('GrantMediaSeats', 'media', { seats: step.seats });
        break;
    }
    if (!next) return;
    perform(next);

    if (cuts.has(index)) {
      ensureSameSummary(summarize(replay(log)), summarize(state), `replay from zero after step ${index}`);
      const restored = fromSnapshotData(JSON.parse(JSON.stringify(toSnapshotData(state))) as RoomSnapshotData);
      ensureSameSummary(summarize(restored), summarize(state), `snapshot after step ${index}`);
      // The restored state goes on as the live one would: the rest runs on it.
      state = restored;
      shadow = replay(log);
    }
  });

  ensureSameSummary(summarize(replay(log)), summarize(state), 'the whole stream replayed from zero');
};

describe('the waiting room under random interleavings', () => {
  it('keeps positions, order, caps and replay exact after every step', () => {
    const stats: Stats = { queued: 0, admitted: 0, leftQueue: 0, refusedFull: 0, admittedAfterWait: 0 };
    fc.assert(
      fc.property(scenarioArb, (scenario) => runScenario(scenario, stats)),
      { numRuns: Number(process.env.QUEUE_PROPERTY_RUNS ?? 150) },
    );
    // The generator reaches the interesting places.
    expect(stats.queued).toBeGreaterThan(100);
    expect(stats.admitted).toBeGreaterThan(50);
    expect(stats.leftQueue).toBeGreaterThan(10);
    expect(stats.refusedFull).toBeGreaterThan(10);
    if (process.env.QUEUE_PROPERTY_STATS) console.log(stats);
  });
});
