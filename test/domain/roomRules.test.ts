// The machine's guards are the room's rules: whatever the machine refuses, the
// rules name, with the rule's own code, and a refusal a person caused is never
// TRANSITION_REFUSED (which the API reports as CONFLICT, "try again").
import { describe, expect, it } from 'vitest';
import { DomainError, execute, replay, type RoomEvent, type RoomState } from '../../src/domain/index.ts';
import { whyRefused } from '../../src/domain/execute.ts';
import {
  admitted,
  as,
  AT,
  gatedOpened,
  left,
  mediaSeatsGranted,
  opened,
  redirected,
  spawned,
  spilling,
} from './given.ts';

const gated = gatedOpened();
const mediaSeats = mediaSeatsGranted;

const announced: RoomEvent = {
  type: 'HeadlinerAnnounced',
  data: { roomId: 'r', userId: 'star', expectedAudience: 10, by: 'mod' },
};

/** Events anyone might try, by anyone: members, strangers, speakers, moderators. */
const attempts = (): RoomEvent[] => {
  const users = ['mod', 'a', 'd', 'star', 'stranger'];
  const events: RoomEvent[] = [];
  for (const userId of users) {
    events.push(
      admitted(userId),
      redirected(userId, 1),
      redirected(userId, 2),
      left(userId),
      left(userId, 'r.overflow-1'),
      { type: 'HandRaised', data: { roomId: 'r', userId } },
      { type: 'SpeakerInviteAccepted', data: { roomId: 'r', userId, fromRoomId: null } },
      { type: 'HeadlinerArrived', data: { roomId: 'r', userId, fromRoomId: null } },
      { type: 'SpeakerLeft', data: { roomId: 'r', userId } },
    );
    for (const by of users) {
      events.push(
        { type: 'HandLowered', data: { roomId: 'r', userId, by } },
        { type: 'SpeakerInvited', data: { roomId: 'r', userId, by } },
        { type: 'SpeakerMovedToAudience', data: { roomId: 'r', userId, by } },
        { type: 'ModeratorAdded', data: { roomId: 'r', userId, by } },
      );
    }
    events.push({ type: 'RoomEnded', data: { roomId: 'r', by: userId, reason: 'ended', at: AT } });
  }
  events.push(spawned(2), spawned(3), spawned(1));
  return events;
};

const states = (): Array<[string, () => RoomState]> => [
  ['a new room', () => replay([opened()])],
  ['a spilling room', () => replay(spilling())],
  ['a spilling room at its overflow limit', () => replay([...spilling(), spawned(2)])],
  ['a room with a headliner announced', () => replay([...spilling(), announced])],
  ['a room with a full stage', () => replay([opened({ speakerCapacity: 1 }), admitted('a')])],
  ['a room whose media seats are all taken', () => replay([gated, mediaSeats(2), admitted('a'), admitted('b')])],
];

describe('the room rules', () => {
  it.each(states())('in %s, the machine refuses an event exactly when a rule names why', (_name, state) => {
    let refused = 0;
    for (const event of attempts()) {
      const room = state();
      const why = whyRefused(room, event);
      expect(room.snapshot.can(event), `${event.type} ${JSON.stringify(event.data)}: ${why?.message}`).toBe(
        why === undefined,
      );
      if (why) {
        refused += 1;
        expect(why).toBeInstanceOf(DomainError);
        expect(why.code).not.toBe('TRANSITION_REFUSED');
      }
    }
    expect(refused).toBeGreaterThan(10);
  });

  it('a refusal that only the machine makes reaches the person as the rule, not as "try again"', () => {
    // RaiseHand is decided without asking a rule: the guard alone refuses a stranger.
    for (const [actor, code] of [
      ['stranger', 'NOT_IN_ROOM'],
      ['mod', 'ALREADY_A_SPEAKER'],
    ] as const) {
      let thrown: unknown;
      try {
        execute(replay(spilling()), { type: 'RaiseHand', data: { roomId: 'r' }, metadata: as(actor) });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DomainError);
      expect((thrown as DomainError).code).toBe(code);
    }
  });

  it('holds the roster invariant in the machine itself: no second seat in the family', () => {
    const room = replay(spilling());
    // d sits in overflow room 1; neither the main room nor another overflow room may seat d again.
    expect(room.snapshot.can(admitted('d'))).toBe(false);
    expect(whyRefused(room, admitted('d'))?.code).toBe('ALREADY_IN_ROOM');
    const roomier = replay([...spilling(), spawned(2)]);
    expect(whyRefused(roomier, redirected('d', 2))?.message).toMatch(/overflow room r.overflow-1 of this family/);
  });
});
