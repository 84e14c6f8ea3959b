import { describe, expect, it } from 'vitest';
import { replay, roomStatus, type RoomEvent } from '../../src/domain/index.ts';
import { liveRegions } from '../../src/domain/room.ts';
import { admitted, as, AT, full, given, left, opened, redirected, spawned, spilling } from './given.ts';

const ended: RoomEvent = { type: 'RoomEnded', data: { roomId: 'r', by: 'mod', reason: 'ended', at: AT } };
const invited = (userId: string): RoomEvent => ({ type: 'SpeakerInvited', data: { roomId: 'r', userId, by: 'mod' } });
const announced: RoomEvent = {
  type: 'HeadlinerAnnounced',
  data: { roomId: 'r', userId: 'star', expectedAudience: 20000, by: 'mod' },
};

describe('OpenRoom', () => {
  it('opens a new room; the opener moderates it and is on stage', () => {
    const state = given()
      .when({
        type: 'OpenRoom',
        data: { roomId: 'r', title: 'Jazz at night', capacity: 3, speakerCapacity: 2, maxOverflowRooms: 2 },
        metadata: as('mod'),
      })
      .then([opened({ queueCapacity: 50_000 })]);
    expect(state.snapshot.context.moderators).toEqual(['mod']);
    expect(state.snapshot.context.speakers).toEqual(['mod']);
    expect(liveRegions(state)).toEqual({ capacity: 'open', overflow: 'none', headliner: 'none' });
  });

  it('defaults capacity to 5,000 listeners', () => {
    const state = given()
      .when({ type: 'OpenRoom', data: { roomId: 'r', title: 'Big' }, metadata: as('mod') })
      .then([
        {
          type: 'RoomOpened',
          data: {
            roomId: 'r',
            title: 'Big',
            capacity: 5000,
            speakerCapacity: 50,
            maxOverflowRooms: 100,
            queueCapacity: 50_000,
            by: 'mod',
            parentRoomId: null,
            at: AT,
          },
        },
      ]);
    expect(state.snapshot.context.settings.capacity).toBe(5000);
  });

  it.each([
    [{ title: '' }, /title/],
    [{ title: '\u0000\u0000' }, /title of 1 to 200 characters with something visible/],
    [{ title: '\u200B\u2060\uFEFF' }, /something visible/],
    [{ title: 'Jazz \uD800' }, /broken Unicode/],
    [{ title: 'Jazz\u0007night' }, /control characters/],
    [{ title: 'x'.repeat(201) }, /1 to 200/],
    [{ title: 'x', capacity: 0 }, /capacity must be a whole number from 1/],
    [{ title: 'x', capacity: 2.5 }, /capacity/],
    [{ title: 'x', speakerCapacity: -1 }, /speakerCapacity/],
  ])('refuses bad settings %j with INVALID_COMMAND', (data, message) => {
    given()
      .when({ type: 'OpenRoom', data: { roomId: 'r', ...data }, metadata: as('mod') })
      .thenThrows('INVALID_COMMAND', message);
  });

  it('takes a title with accents, scripts and emoji: visible, well-formed text', () => {
    given()
      .when({ type: 'OpenRoom', data: { roomId: 'r', title: '  Café 東京 🎷  ' }, metadata: as('mod') })
      .then([
        {
          type: 'RoomOpened',
          data: {
            roomId: 'r',
            title: 'Café 東京 🎷',
            capacity: 5000,
            speakerCapacity: 50,
            maxOverflowRooms: 100,
            queueCapacity: 50_000,
            by: 'mod',
            parentRoomId: null,
            at: AT,
          },
        },
      ]);
  });

  it('refuses room ids that are not opaque tokens, including overflow-looking ones', () => {
    given()
      .when({ type: 'OpenRoom', data: { roomId: 'r.overflow-1', title: 'x' }, metadata: as('mod') })
      .thenThrows('INVALID_COMMAND', /letters, digits/);
    given()
      .when({ type: 'OpenRoom', data: { roomId: 'has space', title: 'x' }, metadata: as('mod') })
      .thenThrows('INVALID_COMMAND');
  });

  it('refuses to open a room twice', () => {
    given(opened())
      .when({ type: 'OpenRoom', data: { roomId: 'r', title: 'x' }, metadata: as('mod') })
      .thenThrows('ROOM_ALREADY_EXISTS');
  });

  it('any other command on a room that does not exist is ROOM_NOT_FOUND', () => {
    given()
      .when({ type: 'JoinRoom', data: { roomId: 'nowhere' }, metadata: as('a') })
      .thenThrows('ROOM_NOT_FOUND', /open or schedule it first/);
  });
});

describe('JoinRoom: placement', () => {
  it('seats a listener in the main room while it has seats, and says when it fills', () => {
    given(opened())
      .when({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as('a') })
      .then([admitted('a')]);
    const state = given(opened(), admitted('a'), admitted('b'))
      .when({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as('c') })
      .then([admitted('c'), full()]);
    expect(liveRegions(state)?.capacity).toBe('full');
  });

  it('spawns an overflow room when the main room is full, and redirects there', () => {
    const state = given(opened(), admitted('a'), admitted('b'), admitted('c'), full())
      .when({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as('d') })
      .then([spawned(1), redirected('d', 1)]);
    expect(liveRegions(state)?.overflow).toBe('spilling');
    expect(state.roster.members.get('d')).toEqual({ roomId: 'r.overflow-1', role: 'listener' });
  });

  it('fills an open overflow room before spawning another, then the first in spawn order with a seat, however roomy the later ones', () => {
    given(...spilling())
      .when({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as('e') })
      .then([redirected('e', 1)]);
    const twoRooms = [...spilling(), redirected('e', 1), redirected('f', 1)];
    given(...twoRooms)
      .when({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as('g') })
      .then([spawned(2), redirected('g', 2)]);
    // overflow-1 has one seat free, overflow-2 two: the newcomer refills overflow-1, so overflow-2 can empty and drain.
    given(...twoRooms, spawned(2), redirected('g', 2), left('e', 'r.overflow-1'))
      .when({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as('h') })
      .then([redirected('h', 1)]);
  });

  it('is ROOM_FULL when the main room and every allowed overflow room are full', () => {
    const all = [
      ...spilling(),
      redirected('e', 1),
      redirected('f', 1),
      spawned(2),
      redirected('g', 2),
      redirected('h', 2),
      redirected('i', 2),
    ];
    given(...all)
      .when({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as('j') })
      .thenThrows('ROOM_FULL', /all of its 2 overflow rooms are full/);
  });

  it('is ALREADY_IN_ROOM for anyone already in the family, wherever they sit', () => {
    given(...spilling())
      .when({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as('a') })
      .thenThrows('ALREADY_IN_ROOM', /leave it first/);
    given(...spilling())
      .when({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as('d') })
      .thenThrows('ALREADY_IN_ROOM', /overflow room r.overflow-1/);
    given(...spilling())
      .when({ type: 'JoinRoom', data: { roomId: 'r' }, metadata: as('mod') })
      .thenThrows('ALREADY_IN_ROOM');
  });
});

describe('LeaveRoom', () => {
  it('frees a main-room seat, and says the room has seats again', () => {
    const state = given(...spilling())
      .when({ type: 'LeaveRoom', data: { roomId: 'r' }, metadata: as('b') })
      .then([left('b'), { type: 'RoomHadSeatsAgain', data: { roomId: 'r' } }]);
    expect(liveRegions(state)?.capacity).toBe('open');
    const { seats } = state.snapshot.context;
    expect(seats.listeners + [...seats.overflow.values()].reduce((n, room) => n + room.listeners, 0)).toBe(3);
  });

  it('drains an overflow room when its last listener leaves', () => {
    const state = given(...spilling())
      .when({ type: 'LeaveRoom', data: { roomId: 'r' }, metadata: as('d') })
      .then([
        left('d', 'r.overflow-1'),
        { type: 'OverflowRoomDrained', data: { roomId: 'r', overflowRoomId: 'r.overflow-1' } },
      ]);
    expect(liveRegions(state)?.overflow).toBe('none');
  });

  it('a speaker leaving leaves the stage', () => {
    const state = given(opened())
      .when({ type: 'LeaveRoom', data: { roomId: 'r' }, metadata: as('mod') })
      .then([{ type: 'SpeakerLeft', data: { roomId: 'r', userId: 'mod' } }]);
    expect(state.snapshot.context.speakers).toEqual([]);
  });

  it('is NOT_IN_ROOM for someone who is not there', () => {
    given(opened())
      .when({ type: 'LeaveRoom', data: { roomId: 'r' }, metadata: as('zed') })
      .thenThrows('NOT_IN_ROOM');
  });
});

describe('hands', () => {
  it('raises and lowers a hand; doing it again changes nothing', () => {
    given(opened(), admitted('a'))
      .when({ type: 'RaiseHand', data: { roomId: 'r' }, metadata: as('a') })
      .then([{ type: 'HandRaised', data: { roomId: 'r', userId: 'a' } }]);
    const raised = [opened(), admitted('a'), { type: 'HandRaised', data: { roomId: 'r', userId: 'a' } } as RoomEvent];
    given(...raised)
      .when({ type: 'RaiseHand', data: { roomId: 'r' }, metadata: as('a') })
      .then([]);
    given(...raised)
      .when({ type: 'LowerHand', data: { roomId: 'r' }, metadata: as('a') })
      .then([{ type: 'HandLowered', data: { roomId: 'r', userId: 'a', by: 'a' } }]);
    given(...raised)
      .when({ type: 'LowerHand', data: { roomId: 'r', userId: 'a' }, metadata: as('mod') })
      .then([{ type: 'HandLowered', data: { roomId: 'r', userId: 'a', by: 'mod' } }]);
    given(opened(), admitted('a'))
      .when({ type: 'LowerHand', data: { roomId: 'r' }, metadata: as('a') })
      .then([]);
  });

  it('keeps raised hands in the order they went up, from overflow rooms too', () => {
    const state = replay([
      ...spilling(),
      { type: 'HandRaised', data: { roomId: 'r', userId: 'c' } },
      { type: 'HandRaised', data: { roomId: 'r', userId: 'd' } },
      { type: 'HandRaised', data: { roomId: 'r', userId: 'a' } },
    ]);
    expect([...state.roster.hands]).toEqual(['c', 'd', 'a']);
  });

  it('refuses a hand from outside, from a speaker, and lowering another’s hand without the right', () => {
    given(opened())
      .when({ type: 'RaiseHand', data: { roomId: 'r' }, metadata: as('zed') })
      .thenThrows('NOT_IN_ROOM');
    given(opened())
      .when({ type: 'RaiseHand', data: { roomId: 'r' }, metadata: as('mod') })
      .thenThrows('ALREADY_A_SPEAKER');
    given(opened(), admitted('a'), admitted('b'))
      .when({ type: 'LowerHand', data: { roomId: 'r', userId: 'a' }, metadata: as('b') })
      .thenThrows('NOT_A_MODERATOR', /lower someone else's hand/);
  });
});

describe('the stage', () => {
  it('a moderator invites, the listener accepts and leaves their seat for the stage', () => {
    given(opened(), admitted('a'))
      .when({ type: 'InviteToSpeak', data: { roomId: 'r', userId: 'a' }, metadata: as('mod') })
      .then([invited('a')]);
    const state = given(...spilling(), invited('a'))
      .when({ type: 'AcceptInvite', data: { roomId: 'r' }, metadata: as('a') })
      .then([
        { type: 'SpeakerInviteAccepted', data: { roomId: 'r', userId: 'a', fromRoomId: 'r' } },
        { type: 'RoomHadSeatsAgain', data: { roomId: 'r' } },
      ]);
    expect(state.snapshot.context.speakers).toEqual(['mod', 'a']);
    expect(state.roster.members.get('a')).toEqual({ roomId: 'r', role: 'speaker' });
    expect(state.snapshot.context.seats.listeners).toBe(2);
  });

  it('an overflow listener can be invited to the main stage, and their overflow room drains', () => {
    given(...spilling(), invited('d'))
      .when({ type: 'AcceptInvite', data: { roomId: 'r' }, metadata: as('d') })
      .then([
        { type: 'SpeakerInviteAccepted', data: { roomId: 'r', userId: 'd', fromRoomId: 'r.overflow-1' } },
        { type: 'OverflowRoomDrained', data: { roomId: 'r', overflowRoomId: 'r.overflow-1' } },
      ]);
  });

  it('moves a speaker back to the audience, seating them by the same placement', () => {
    const onStage = [
      ...spilling(),
      invited('d'),
      { type: 'SpeakerInviteAccepted', data: { roomId: 'r', userId: 'd', fromRoomId: 'r.overflow-1' } } as RoomEvent,
      { type: 'OverflowRoomDrained', data: { roomId: 'r', overflowRoomId: 'r.overflow-1' } } as RoomEvent,
    ];
    given(...onStage)
      .when({ type: 'MoveToAudience', data: { roomId: 'r', userId: 'd' }, metadata: as('mod') })
      .then([
        { type: 'SpeakerMovedToAudience', data: { roomId: 'r', userId: 'd', by: 'mod' } },
        spawned(2),
        redirected('d', 2),
      ]);
    given(...onStage)
      .when({ type: 'MoveToAudience', data: { roomId: 'r', userId: 'd' }, metadata: as('d') })
      .then([
        { type: 'SpeakerMovedToAudience', data: { roomId: 'r', userId: 'd', by: 'd' } },
        spawned(2),
        redirected('d', 2),
      ]);
  });

  it('refuses invites without the right, accepting without an invite, and a full stage', () => {
    given(opened(), admitted('a'), admitted('b'))
      .when({ type: 'InviteToSpeak', data: { roomId: 'r', userId: 'a' }, metadata: as('b') })
      .thenThrows('NOT_A_MODERATOR', /invite to speak/);
    given(opened())
      .when({ type: 'InviteToSpeak', data: { roomId: 'r', userId: 'zed' }, metadata: as('mod') })
      .thenThrows('NOT_IN_ROOM');
    given(opened())
      .when({ type: 'InviteToSpeak', data: { roomId: 'r', userId: 'mod' }, metadata: as('mod') })
      .thenThrows('ALREADY_A_SPEAKER');
    given(opened(), admitted('a'))
      .when({ type: 'AcceptInvite', data: { roomId: 'r' }, metadata: as('a') })
      .thenThrows('NOT_INVITED', /raise a hand first/);
    const stageFull = [
      opened(),
      admitted('a'),
      admitted('b'),
      invited('a'),
      invited('b'),
      { type: 'SpeakerInviteAccepted', data: { roomId: 'r', userId: 'a', fromRoomId: 'r' } } as RoomEvent,
    ];
    given(...stageFull)
      .when({ type: 'AcceptInvite', data: { roomId: 'r' }, metadata: as('b') })
      .thenThrows('STAGE_FULL', /2 speakers/);
    given(opened(), admitted('a'))
      .when({ type: 'MoveToAudience', data: { roomId: 'r', userId: 'a' }, metadata: as('mod') })
      .thenThrows('NOT_A_SPEAKER');
    given(...stageFull)
      .when({ type: 'MoveToAudience', data: { roomId: 'r', userId: 'a' }, metadata: as('b') })
      .thenThrows('NOT_A_MODERATOR');
  });

  it('only moderators add moderators; adding one twice changes nothing', () => {
    given(opened())
      .when({ type: 'AddModerator', data: { roomId: 'r', userId: 'a' }, metadata: as('mod') })
      .then([{ type: 'ModeratorAdded', data: { roomId: 'r', userId: 'a', by: 'mod' } }]);
    given(opened())
      .when({ type: 'AddModerator', data: { roomId: 'r', userId: 'mod' }, metadata: as('mod') })
      .then([]);
    given(opened(), admitted('a'))
      .when({ type: 'AddModerator', data: { roomId: 'r', userId: 'a' }, metadata: as('a') })
      .thenThrows('NOT_A_MODERATOR', /add moderators/);
  });
});

describe('the headliner', () => {
  it('is announced, then arrives on stage from wherever they were listening', () => {
    given(opened())
      .when({
        type: 'AnnounceHeadliner',
        data: { roomId: 'r', userId: 'star', expectedAudience: 20000 },
        metadata: as('mod'),
      })
      .then([announced]);
    const state = given(opened(), announced)
      .when({ type: 'MarkHeadlinerArrived', data: { roomId: 'r' }, metadata: as('mod') })
      .then([{ type: 'HeadlinerArrived', data: { roomId: 'r', userId: 'star', fromRoomId: null } }]);
    expect(liveRegions(state)?.headliner).toBe('present');
    expect(state.snapshot.context.speakers).toContain('star');
    expect(liveRegions(replay([opened(), announced]))?.headliner).toBe('awaited');
  });

  it('arrives once: marking it again is nothing while on stage, and refused after they left the stage', () => {
    const arrived: RoomEvent = { type: 'HeadlinerArrived', data: { roomId: 'r', userId: 'star', fromRoomId: null } };
    given(opened(), announced, arrived)
      .when({ type: 'MarkHeadlinerArrived', data: { roomId: 'r' }, metadata: as('mod') })
      .then([]);
    given(opened(), announced, arrived, { type: 'SpeakerLeft', data: { roomId: 'r', userId: 'star' } })
      .when({ type: 'MarkHeadlinerArrived', data: { roomId: 'r' }, metadata: as('mod') })
      .thenThrows('HEADLINER_ALREADY_ARRIVED', /invite star to speak/);
  });

  it('refuses an arrival with no headliner announced, and announcements without the right', () => {
    given(opened())
      .when({ type: 'MarkHeadlinerArrived', data: { roomId: 'r' }, metadata: as('mod') })
      .thenThrows('HEADLINER_NOT_ANNOUNCED');
    given(opened(), admitted('a'))
      .when({ type: 'AnnounceHeadliner', data: { roomId: 'r', userId: 'a', expectedAudience: 5 }, metadata: as('a') })
      .thenThrows('NOT_A_MODERATOR');
    given(opened())
      .when({
        type: 'AnnounceHeadliner',
        data: { roomId: 'r', userId: 'star', expectedAudience: -5 },
        metadata: as('mod'),
      })
      .thenThrows('INVALID_COMMAND', /expectedAudience/);
  });
});

describe('EndRoom', () => {
  it('only a moderator ends a room', () => {
    const state = given(...spilling())
      .when({ type: 'EndRoom', data: { roomId: 'r' }, metadata: as('mod') })
      .then([ended]);
    expect(roomStatus(state)).toBe('ended');
    given(...spilling())
      .when({ type: 'EndRoom', data: { roomId: 'r' }, metadata: as('a') })
      .thenThrows('NOT_A_MODERATOR', /end it/);
  });

  const everyCommand = [
    { type: 'OpenRoom', data: { roomId: 'r', title: 'again' } },
    { type: 'JoinRoom', data: { roomId: 'r' } },
    { type: 'LeaveRoom', data: { roomId: 'r' } },
    { type: 'RaiseHand', data: { roomId: 'r' } },
    { type: 'LowerHand', data: { roomId: 'r' } },
    { type: 'InviteToSpeak', data: { roomId: 'r', userId: 'a' } },
    { type: 'AcceptInvite', data: { roomId: 'r' } },
    { type: 'MoveToAudience', data: { roomId: 'r', userId: 'mod' } },
    { type: 'AddModerator', data: { roomId: 'r', userId: 'a' } },
    { type: 'AnnounceHeadliner', data: { roomId: 'r', userId: 'star', expectedAudience: 1 } },
    { type: 'MarkHeadlinerArrived', data: { roomId: 'r' } },
    { type: 'EndRoom', data: { roomId: 'r' } },
  ] as const;
  it.each(everyCommand)('an ended room refuses $type with ROOM_ENDED', (command) => {
    for (const actor of ['mod', 'a', 'stranger']) {
      given(...spilling(), ended)
        .when({ ...command, metadata: as(actor) })
        .thenThrows('ROOM_ENDED', /has ended/);
    }
  });
});

describe('overflow rooms', () => {
  it('refuse commands sent to them directly: the main room decides for the family', () => {
    const overflowOpened: RoomEvent = {
      type: 'RoomOpened',
      data: {
        roomId: 'r.overflow-1',
        title: 'x',
        capacity: 3,
        speakerCapacity: 0,
        maxOverflowRooms: 0,
        by: null,
        parentRoomId: 'r',
        at: AT,
      },
    };
    expect(replay([overflowOpened]).snapshot.context.parentRoomId).toBe('r');
    given(overflowOpened)
      .when({ type: 'JoinRoom', data: { roomId: 'r.overflow-1' }, metadata: as('a') })
      .thenThrows('OVERFLOW_ROOM_IS_LISTEN_ONLY', /send the command to the main room/);
  });
});
