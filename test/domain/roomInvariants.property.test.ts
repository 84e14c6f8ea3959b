// Random interleavings of commands against one room family, checked after
// every step: seats, stage, roster and machine regions stay consistent; a
// refused command changes nothing; replaying the stream from zero gives the
// live aggregate; and each overflow room's own (mirrored) stream agrees with
// the main room's seat ledger.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DomainError,
  evolve,
  execute,
  initialState,
  mirrorToOverflowRooms,
  replay,
  roomStatus,
  TransitionRefusedError,
  type RoomCommand,
  type RoomEvent,
  type RoomState,
} from '../../src/domain/index.ts';
import {
  familyListeners,
  summarize,
  ensure,
  ensureSame,
  ensureSameSummary,
  familyIsFull,
  MODERATOR_ONLY,
  checkInvariants,
  OPENER,
  type OverflowStream,
  checkOverflowStreams,
} from './roomInvariants.ts';

const ROOM = 'r';
const USERS = 30;
const user = (i: number): string => `u${i % USERS}`;
const atOf = (step: number): string => new Date(Date.UTC(2026, 10, 28, 21, 0, 0) + step * 1000).toISOString();

// ---------------------------------------------------------------------------
// Steps: who does what, resolved against the live state when the step runs, so
// that "a member", "someone with a hand up" or "a moderator" name real people.

type PickFrom = 'user' | 'member' | 'hand' | 'invited' | 'speaker' | 'mod' | 'headliner';
interface Pick {
  readonly from: PickFrom;
  readonly i: number;
}

type Step =
  | { readonly t: 'join' | 'leave' | 'raise' | 'accept'; readonly actor: Pick }
  | { readonly t: 'lower'; readonly actor: Pick; readonly target: Pick | null }
  | { readonly t: 'invite' | 'move' | 'addMod'; readonly actor: Pick; readonly target: Pick }
  | { readonly t: 'announce'; readonly actor: Pick; readonly target: Pick; readonly expected: number }
  | { readonly t: 'arrive' | 'end'; readonly actor: Pick }
  | { readonly t: 'openerEnds' }
  | { readonly t: 'grant'; readonly seats: number }
  | { readonly t: 'wrongRoom'; readonly actor: Pick; readonly roomId: string };

const pick = (...from: PickFrom[]): fc.Arbitrary<Pick> =>
  fc.record({ from: fc.constantFrom(...from), i: fc.nat({ max: 1000 }) });

const anyone = pick('user', 'user', 'member');
const moderatorMostly = fc.oneof(
  { arbitrary: pick('mod'), weight: 4 },
  { arbitrary: pick('user', 'member'), weight: 1 },
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('join' as const), actor: pick('user') }), weight: 30 },
  {
    arbitrary: fc.record({ t: fc.constant('leave' as const), actor: pick('member', 'member', 'user', 'speaker') }),
    weight: 10,
  },
  { arbitrary: fc.record({ t: fc.constant('raise' as const), actor: pick('member', 'user') }), weight: 7 },
  {
    arbitrary: fc.record({
      t: fc.constant('lower' as const),
      actor: pick('hand', 'mod', 'member', 'user'),
      target: fc.option(pick('hand', 'member'), { nil: null }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      t: fc.constant('invite' as const),
      actor: moderatorMostly,
      target: pick('hand', 'member', 'user'),
    }),
    weight: 8,
  },
  { arbitrary: fc.record({ t: fc.constant('accept' as const), actor: pick('invited', 'invited', 'user') }), weight: 7 },
  {
    arbitrary: fc.record({
      t: fc.constant('move' as const),
      actor: pick('mod', 'speaker', 'user'),
      target: pick('speaker', 'speaker', 'user'),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ t: fc.constant('addMod' as const), actor: moderatorMostly, target: anyone }), weight: 2 },
  {
    arbitrary: fc.record({
      t: fc.constant('announce' as const),
      actor: moderatorMostly,
      target: pick('member', 'user', 'speaker'),
      expected: fc.nat({ max: 1_000_000 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ t: fc.constant('arrive' as const), actor: moderatorMostly }), weight: 3 },
  // Mostly refused (not a moderator); ends the room if the user was made one.
  { arbitrary: fc.record({ t: fc.constant('end' as const), actor: pick('user', 'member') }), weight: 1 },
  // The media cluster's grants, in a family gated on media: up, and down below its listeners (a node lost).
  { arbitrary: fc.record({ t: fc.constant('grant' as const), seats: fc.nat({ max: 12 }) }), weight: 3 },
  {
    arbitrary: fc.record({
      t: fc.constant('wrongRoom' as const),
      actor: anyone,
      roomId: fc.constantFrom(`${ROOM}.overflow-1`, 'elsewhere'),
    }),
    weight: 1,
  },
);

const resolve = (state: RoomState, { from, i }: Pick): string => {
  const context = state.snapshot.context;
  const list = ((): readonly string[] => {
    switch (from) {
      case 'user':
        return [];
      case 'member':
        return [...state.roster.members.keys()].sort();
      case 'hand':
        return [...state.roster.hands];
      case 'invited':
        return context.invited;
      case 'speaker':
        return context.speakers;
      case 'mod':
        return context.moderators;
      case 'headliner':
        return context.headliner ? [context.headliner.userId] : [];
    }
  })();
  return list.length > 0 ? list[i % list.length]! : user(i);
};

const commandOf = (state: RoomState, step: Step, at: string): RoomCommand => {
  const metadata = { actor: 'actor' in step ? resolve(state, step.actor) : OPENER, at };
  const roomId = ROOM;
  switch (step.t) {
    case 'join':
      return { type: 'JoinRoom', data: { roomId }, metadata };
    case 'leave':
      return { type: 'LeaveRoom', data: { roomId }, metadata };
    case 'raise':
      return { type: 'RaiseHand', data: { roomId }, metadata };
    case 'lower':
      return step.target === null
        ? { type: 'LowerHand', data: { roomId }, metadata }
        : { type: 'LowerHand', data: { roomId, userId: resolve(state, step.target) }, metadata };
    case 'invite':
      return { type: 'InviteToSpeak', data: { roomId, userId: resolve(state, step.target) }, metadata };
    case 'accept':
      return { type: 'AcceptInvite', data: { roomId }, metadata };
    case 'move':
      return { type: 'MoveToAudience', data: { roomId, userId: resolve(state, step.target) }, metadata };
    case 'addMod':
      return { type: 'AddModerator', data: { roomId, userId: resolve(state, step.target) }, metadata };
    case 'announce':
      return {
        type: 'AnnounceHeadliner',
        data: { roomId, userId: resolve(state, step.target), expectedAudience: step.expected },
        metadata,
      };
    case 'arrive':
      return { type: 'MarkHeadlinerArrived', data: { roomId }, metadata };
    case 'end':
      return { type: 'EndRoom', data: { roomId }, metadata };
    case 'openerEnds':
      return { type: 'EndRoom', data: { roomId }, metadata: { actor: OPENER, at } };
    case 'wrongRoom':
      return { type: 'JoinRoom', data: { roomId: step.roomId }, metadata };
    case 'grant':
      return { type: 'GrantMediaSeats', data: { roomId, seats: step.seats }, metadata: { actor: 'media', at } };
  }
};

// ---------------------------------------------------------------------------
// What can be observed of a state, as plain data (the ledger and roster are
// updated in place, so a summary must copy them).

interface Scenario {
  readonly capacity: number;
  readonly speakerCapacity: number;
  readonly maxOverflowRooms: number;
  /** Opened while media runs on other hosts: joins are admitted within the media seats granted. */
  readonly gated: boolean;
  /** Its waiting room's limit (0: none, a join with no seat is refused; see waitingRoom.property.test.ts). */
  readonly queueCapacity: number;
  readonly steps: Step[];
  /** Where the opener ends the room, if anywhere (as a fraction of the run). */
  readonly endAt: number | null;
  /** Steps after which the whole stream is replayed from zero. */
  readonly cuts: number[];
}

const scenarioArb = (minLength = 50, maxLength = 300): fc.Arbitrary<Scenario> =>
  fc.record({
    capacity: fc.integer({ min: 1, max: 5 }),
    speakerCapacity: fc.integer({ min: 2, max: 4 }),
    maxOverflowRooms: fc.integer({ min: 1, max: 4 }),
    gated: fc.boolean(),
    queueCapacity: fc.constantFrom(0, 0, 3),
    // Uniform lengths: fast-check's default size would keep them near the minimum.
    steps: fc.array(stepArb, { minLength, maxLength, size: 'max' }),
    endAt: fc.oneof(
      { arbitrary: fc.constant(null), weight: 3 },
      { arbitrary: fc.double({ min: 0.3, max: 1, noNaN: true }), weight: 2 },
    ),
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
  });

interface Stats {
  runs: number;
  ended: number;
  steps: number;
  accepted: Map<string, number>;
  refused: Map<string, number>;
  maxOverflowSeen: number;
  drained: number;
}

const bump = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

/**
 * `strict`: `decide` never proposes an event the machine then refuses, i.e. no command is refused with
 * TRANSITION_REFUSED at all (the error's own message, "reload the room and try again", is wrong advice when
 * reloading changes nothing). Without it, only the half-applied kind (stateChanged) is an error.
 */
const runScenario = (scenario: Scenario, stats: Stats, strict = false): void => {
  const { capacity, speakerCapacity, maxOverflowRooms, gated, queueCapacity } = scenario;
  const steps: Step[] = [...scenario.steps];
  if (scenario.endAt !== null) {
    steps.splice(Math.floor(scenario.endAt * steps.length), 0, { t: 'openerEnds' });
  }
  const cuts = new Set(scenario.cuts.map((c) => c % steps.length));

  const open: RoomCommand = {
    type: 'OpenRoom',
    data: {
      roomId: ROOM,
      title: 'Property room',
      capacity,
      speakerCapacity,
      maxOverflowRooms,
      mediaGated: gated,
      queueCapacity,
    },
    metadata: { actor: OPENER, at: atOf(0) },
  };
  let live = execute(initialState(), open);
  let state = live.state;
  const log: RoomEvent[] = [...live.events];
  // A second, independent aggregate, evolved one event at a time: the state
  // after each event is what the mirror reads.
  let shadow = initialState();
  const overflow = new Map<string, OverflowStream>();
  const apply = (events: readonly RoomEvent[], at: string): void => {
    for (const event of events) {
      ensure(shadow.snapshot.can(event), `replaying ${event.type}: the machine refuses it`);
      shadow = evolve(shadow, event);
      for (const { roomId, event: mirrored } of mirrorToOverflowRooms(shadow, event, at)) {
        let stream = overflow.get(roomId);
        if (!stream) {
          stream = { state: initialState(), events: [] };
          overflow.set(roomId, stream);
        }
        // Each overflow room's stream must be one its own machine accepts, event by event.
        ensure(stream.state.snapshot.can(mirrored), `${roomId}'s own machine refuses mirrored ${mirrored.type}`);
        stream.state = evolve(stream.state, mirrored);
        stream.events.push(mirrored);
      }
    }
  };
  apply(live.events, atOf(0));
  checkInvariants(state);

  let endedAt: number | null = null;
  steps.forEach((step, index) => {
    const at = atOf(index + 1);
    const command = commandOf(state, step, at);
    const before = summarize(state);
    const wasModerator = state.snapshot.context.moderators.includes(command.metadata.actor);
    const wasMember = state.roster.members.has(command.metadata.actor);
    const wasFull = familyIsFull(state, command.metadata.at);
    const mediaSeats = state.snapshot.context.mediaSeats;
    const wasMediaFull = mediaSeats !== null && familyListeners(state) >= mediaSeats;
    const wasLive = roomStatus(state) === 'live';
    let refusal: DomainError | undefined;
    try {
      live = execute(state, command);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refusal = error;
    }
    stats.steps += 1;

    if (refusal) {
      bump(stats.refused, `${command.type}:${refusal.code}`);
      // The half-applied case would leave the aggregate corrupted: decide and the machine must agree.
      if (refusal instanceof TransitionRefusedError) {
        ensure(!refusal.stateChanged, `${command.type} half-applied, the aggregate is corrupt: ${refusal.message}`);
        if (strict) expect.fail(`decide proposed ${refusal.event.type} for ${command.type}; the machine refused it`);
      }
      ensureSameSummary(summarize(state), before, `refused ${command.type} (${refusal.code}) changed the state`);
      if (endedAt !== null) ensureSame(refusal.code, 'ROOM_ENDED', `${command.type} refused after the room ended`);
      if (command.type === 'JoinRoom' && wasLive && command.data.roomId === ROOM && !wasMember) {
        // The only reasons to turn away a newcomer: media has no seat for them (asked first), or the family has
        // no seat left and no overflow room to spawn; with a waiting room, only once it is full too.
        if (queueCapacity > 0) {
          ensureSame(refusal.code, 'ROOM_FULL', `JoinRoom by newcomer ${command.metadata.actor} refused`);
          ensureSame(state.snapshot.context.waiting.tickets.size, queueCapacity, 'refused with room in the queue');
        } else if (wasMediaFull) ensureSame(refusal.code, 'MEDIA_CAPACITY', `JoinRoom by newcomer refused, media full`);
        else {
          ensureSame(refusal.code, 'ROOM_FULL', `JoinRoom by newcomer ${command.metadata.actor} refused`);
          ensure(wasFull, 'ROOM_FULL with a seat free somewhere, or an overflow room still allowed');
        }
      }
    } else {
      ensure(endedAt === null, `${command.type} accepted after the room ended`);
      bump(stats.accepted, command.type);
      if (MODERATOR_ONLY.has(command.type)) ensure(wasModerator, `${command.type} accepted from a non-moderator`);
      if (
        (command.type === 'LowerHand' || command.type === 'MoveToAudience') &&
        command.data.userId !== undefined &&
        command.data.userId !== command.metadata.actor
      ) {
        ensure(wasModerator, `${command.type} for someone else accepted from a non-moderator`);
      }
      // Media never seats a listener it has no seat for.
      if (live.events.some((e) => e.type === 'ListenerAdmitted' || e.type === 'ListenerRedirectedToOverflow')) {
        const seats = live.state.snapshot.context.mediaSeats;
        // A seat from the queue may follow whatever freed or granted it; a newcomer is never seated past media.
        if (!live.events.some((e) => e.type === 'ListenerAdmittedFromQueue'))
          ensure(!wasMediaFull, `${command.type} seated a listener with media full`);
        ensure(seats === null || familyListeners(live.state) <= seats, `listeners past the media seats (${seats})`);
      }
      state = live.state;
      log.push(...live.events);
      apply(live.events, at);
      if (live.events.some((e) => e.type === 'RoomEnded')) endedAt = index;
      if (live.events.some((e) => e.type === 'OverflowRoomDrained')) stats.drained += 1;
    }

    checkInvariants(state);
    ensureSameSummary(summarize(shadow), summarize(state), 'the aggregate evolved event by event vs execute');
    checkOverflowStreams(state, overflow);
    if (cuts.has(index))
      ensureSameSummary(summarize(replay(log)), summarize(state), `replay from zero after step ${index}`);
  });

  // Replaying the whole stream from zero gives the live aggregate; the same for each overflow room's own stream.
  ensureSameSummary(summarize(replay(log)), summarize(state), 'the whole stream replayed from zero');
  for (const [id, stream] of overflow) {
    ensureSameSummary(
      summarize(replay(stream.events)),
      summarize(stream.state),
      `${id}'s own stream replayed from zero`,
    );
  }
  stats.runs += 1;
  if (endedAt !== null) stats.ended += 1;
  stats.maxOverflowSeen = Math.max(stats.maxOverflowSeen, state.snapshot.context.overflowSpawned);
};

const newStats = (): Stats => ({
  runs: 0,
  ended: 0,
  steps: 0,
  accepted: new Map(),
  refused: new Map(),
  maxOverflowSeen: 0,
  drained: 0,
});

describe('room invariants under random interleavings of commands', () => {
  it('holds seats, stage, roster, replay and overflow mirror invariants after every step', () => {
    const stats = newStats();
    fc.assert(
      fc.property(scenarioArb(), (scenario) => runScenario(scenario, stats)),
      { numRuns: Number(process.env.ROOM_PROPERTY_RUNS ?? 100) },
    );
    // The generator reaches the interesting places.
    expect(stats.ended).toBeGreaterThan(0);
    expect(stats.drained).toBeGreaterThan(0);
    expect(stats.maxOverflowSeen).toBeGreaterThan(1);
    expect(stats.refused.get('JoinRoom:MEDIA_CAPACITY') ?? 0, 'no join refused for media').toBeGreaterThan(0);
    for (const type of [
      'JoinRoom',
      'LeaveRoom',
      'AcceptInvite',
      'MoveToAudience',
      'MarkHeadlinerArrived',
      'EndRoom',
      'GrantMediaSeats',
    ]) {
      expect(stats.accepted.get(type) ?? 0, `${type} never accepted`).toBeGreaterThan(0);
    }
    if (process.env.ROOM_PROPERTY_STATS) {
      console.log({
        ...stats,
        accepted: Object.fromEntries(stats.accepted),
        refused: Object.fromEntries(stats.refused),
      });
    }
  });

  // Fails today. Once a headliner has arrived, the headliner region stays `present` for good, but decide still
  // turns MarkHeadlinerArrived into HeadlinerArrived, which only `awaited` takes: TRANSITION_REFUSED, every time.
  // Shortest case: OpenRoom by mod; AnnounceHeadliner mod; LeaveRoom mod; MarkHeadlinerArrived (ok, mod is back
  // on stage); LeaveRoom mod; MarkHeadlinerArrived -> TRANSITION_REFUSED. The same after announcing someone else
  // once a headliner arrived, or after moving the headliner to the audience. Either decide refuses it with a
  // domain code, or the machine takes it.
  it('never refuses a command with TRANSITION_REFUSED: decide and the machine agree', () => {
    const stats = newStats();
    fc.assert(
      // Short runs are allowed here, so that fast-check shrinks a failure to a few steps.
      fc.property(scenarioArb(1, 300), (scenario) => runScenario(scenario, stats, true)),
      // Shrinking a failure can take long; past the limit fast-check reports the smallest one found so far.
      { numRuns: 30, interruptAfterTimeLimit: 4000 },
    );
  });
});
