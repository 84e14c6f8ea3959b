import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/apiServer.ts';
import { joinRoom, openRoom, ROOM_FIELDS, type RoomView } from './rooms.ts';

/** Every query and mutation end to end, over real HTTP, against a real engine. */
describe('GraphQL operations', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};
  const as = (user: string) => tokens[user]!;

  /** Runs a room mutation (returning Room) as `user`; the returned room, or the reply's errors thrown. */
  const mutate = async (user: string, field: string, args: Record<string, unknown>): Promise<RoomView> => {
    const params = Object.keys(args)
      .map((name) => `$${name}: ${name === 'expectedAudience' ? 'Int!' : 'ID!'}`)
      .join(', ');
    const passed = Object.keys(args)
      .map((name) => `${name}: $${name}`)
      .join(', ');
    const data = await api.data<Record<string, RoomView>>(
      `mutation(${params}) { ${field}(${passed}) { ${ROOM_FIELDS} } }`,
      { token: as(user), variables: args },
    );
    return data[field]!;
  };
  const room = async (id: string, user = 'alice') =>
    (
      await api.data<{ room: RoomView | null }>(`query($id: ID!) { room(id: $id) { ${ROOM_FIELDS} } }`, {
        token: as(user),
        variables: { id },
      })
    ).room;

  beforeAll(async () => {
    // Rooms without a waiting room here (a full family refuses); test/graphql/waitingRoom.test.ts has the queue.
    api = await startApi('gql-operations', {}, { SPILLWAY_QUEUE_CAPACITY: '0' });
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) tokens[user] = await api.token(user, 'listener');
    tokens.pat = await api.token('pat', 'producer');
    tokens.ann = await api.token('ann', 'analyst');
  });
  afterAll(() => api.stop());

  it('openRoom: opens a live room and makes the caller its moderator', async () => {
    const opened = await openRoom(api, as('alice'), { title: 'Morning show', capacity: 10 });
    expect(opened).toMatchObject({
      parentId: null,
      title: 'Morning show',
      state: 'live',
      capacity: 10,
      listenerCount: 0,
      moderators: ['alice'],
      speakers: ['alice'],
      overflowRooms: [],
    });
    expect(opened.openedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await room(opened.id)).toEqual(opened);
    const byProducer = await openRoom(api, as('pat'));
    expect(byProducer.moderators).toEqual(['pat']);
    expect(byProducer.capacity).toBe(5000);
  });

  it('joinRoom: places listeners in the main room, then in an overflow room once it is full', async () => {
    const main = await openRoom(api, as('alice'), { capacity: 2 });
    const first = await joinRoom(api, as('bob'), main.id);
    expect(first.role).toBe('listener');
    expect(first.room).toMatchObject({ id: main.id, parentId: null, listenerCount: 1, full: false });
    const second = await joinRoom(api, as('carol'), main.id);
    expect(second.room).toMatchObject({ id: main.id, listenerCount: 2, full: true });
    const spilled = await joinRoom(api, as('dave'), main.id);
    expect(spilled.room).toMatchObject({ id: `${main.id}.overflow-1`, parentId: main.id, listenerCount: 1 });
    expect(await room(main.id)).toMatchObject({
      listenerCount: 2,
      familyListenerCount: 3,
      overflowRooms: [{ id: `${main.id}.overflow-1`, listenerCount: 1, capacity: 2, open: true }],
    });
  });

  it('leaveRoom: the seat is freed in the room the listener was in', async () => {
    const main = await openRoom(api, as('alice'), { capacity: 1 });
    await joinRoom(api, as('bob'), main.id);
    await joinRoom(api, as('carol'), main.id);
    const afterCarol = await mutate('carol', 'leaveRoom', { roomId: main.id });
    expect(afterCarol).toMatchObject({ id: main.id, listenerCount: 1, familyListenerCount: 1 });
    // Drained, the overflow room leaves the room's live answer.
    expect(afterCarol.overflowRooms).toEqual([]);
    const afterBob = await mutate('bob', 'leaveRoom', { roomId: main.id });
    expect(afterBob).toMatchObject({ listenerCount: 0, full: false });
  });

  it('raiseHand and lowerHand: your own, and someone else’s by a moderator', async () => {
    const main = await openRoom(api, as('alice'));
    await joinRoom(api, as('bob'), main.id);
    await joinRoom(api, as('carol'), main.id);
    expect((await mutate('bob', 'raiseHand', { roomId: main.id })).raisedHands).toEqual(['bob']);
    expect((await mutate('bob', 'lowerHand', { roomId: main.id })).raisedHands).toEqual([]);
    await mutate('carol', 'raiseHand', { roomId: main.id });
    // A listener sees only their own hand; the moderator sees every hand, in order.
    expect((await mutate('bob', 'raiseHand', { roomId: main.id })).raisedHands).toEqual(['bob']);
    expect((await room(main.id, 'alice'))!.raisedHands).toEqual(['carol', 'bob']);
    expect((await room(main.id, 'carol'))!.raisedHands).toEqual(['carol']);
    expect((await room(main.id, 'dave'))!.raisedHands).toEqual([]);
    const lowered = await mutate('alice', 'lowerHand', { roomId: main.id, userId: 'carol' });
    expect(lowered.raisedHands).toEqual(['bob']);
  });

  it('rooms: an anonymous reader sees no raised hands', async () => {
    const main = await openRoom(api, as('alice'));
    await joinRoom(api, as('bob'), main.id);
    await mutate('bob', 'raiseHand', { roomId: main.id });
    // The directory is open without a token; its rooms show an anonymous reader no hands.
    const anonymous = await api.data<{ rooms: { nodes: { id: string; raisedHands: string[] }[] } }>(
      `{ rooms(first: 100, state: live) { nodes { id raisedHands } } }`,
    );
    expect(anonymous.rooms.nodes.find((r) => r.id === main.id)?.raisedHands).toEqual([]);
    expect((await room(main.id, 'alice'))!.raisedHands).toEqual(['bob']);
  });

  it('inviteToSpeak, acceptInvite, moveToAudience: a listener goes on stage and back', async () => {
    const main = await openRoom(api, as('alice'));
    await joinRoom(api, as('bob'), main.id);
    await mutate('bob', 'raiseHand', { roomId: main.id });
    const invited = await mutate('alice', 'inviteToSpeak', { roomId: main.id, userId: 'bob' });
    expect(invited.speakers).toEqual(['alice']);
    const onStage = await mutate('bob', 'acceptInvite', { roomId: main.id });
    expect(onStage).toMatchObject({ speakers: ['alice', 'bob'], listenerCount: 0, raisedHands: [] });
    const back = await mutate('alice', 'moveToAudience', { roomId: main.id, userId: 'bob' });
    expect(back).toMatchObject({ speakers: ['alice'], listenerCount: 1 });
  });

  it('addModerator: the new moderator can then do what moderators do', async () => {
    const main = await openRoom(api, as('alice'));
    expect((await mutate('alice', 'addModerator', { roomId: main.id, userId: 'carol' })).moderators).toEqual([
      'alice',
      'carol',
    ]);
    await joinRoom(api, as('bob'), main.id);
    expect((await mutate('carol', 'inviteToSpeak', { roomId: main.id, userId: 'bob' })).id).toBe(main.id);
  });

  it('announceHeadliner and markHeadlinerArrived: the headliner is announced, then on stage', async () => {
    const main = await openRoom(api, as('alice'));
    const announced = await mutate('alice', 'announceHeadliner', {
      roomId: main.id,
      userId: 'star',
      expectedAudience: 20_000,
    });
    expect(announced.headliner).toEqual({ userId: 'star', expectedAudience: 20_000, arrived: false });
    const arrived = await mutate('alice', 'markHeadlinerArrived', { roomId: main.id });
    expect(arrived.headliner).toEqual({ userId: 'star', expectedAudience: 20_000, arrived: true });
    expect(arrived.speakers).toContain('star');
  });

  it('endRoom: the room ends, and every later change is refused with ROOM_ENDED, writing nothing', async () => {
    const main = await openRoom(api, as('alice'));
    const ended = await mutate('alice', 'endRoom', { roomId: main.id });
    expect(ended.state).toBe('ended');
    expect(ended.endedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const head = await api.head();
    const reply = await api.request(`mutation { joinRoom(roomId: "${main.id}") { ... on Placement { role } } }`, {
      token: as('bob'),
    });
    expect(reply.errors?.[0]?.extensions?.code).toBe('ROOM_ENDED');
    expect(reply.errors?.[0]?.message).toMatch(/has ended.*Open a new room/);
    expect(await api.head()).toBe(head);
  });

  it('rooms: pages through the directory with cursors, optionally by state, without a token', async () => {
    const opened = [];
    for (let i = 0; i < 5; i++) opened.push((await openRoom(api, as('pat'), { title: `Room ${i}` })).id);
    await mutate('pat', 'endRoom', { roomId: opened[0]! });
    type Page = {
      rooms: { nodes: { id: string; state: string }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
    };
    const pageQuery = `query($first: Int, $after: String, $state: RoomState) {
      rooms(first: $first, after: $after, state: $state) { nodes { id state } pageInfo { endCursor hasNextPage } } }`;
    const walk = async (state?: string) => {
      const seen: { id: string; state: string }[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const { rooms }: Page = await api.data<Page>(pageQuery, { variables: { first: 2, after, state } });
        expect(rooms.nodes.length).toBeLessThanOrEqual(2);
        seen.push(...rooms.nodes);
        if (!rooms.pageInfo.hasNextPage) return seen;
        expect(rooms.pageInfo.endCursor).toBe(rooms.nodes.at(-1)!.id);
        after = rooms.pageInfo.endCursor;
      }
      throw new Error('rooms never said hasNextPage: false');
    };
    const all = await walk();
    const ids = all.map((r) => r.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(opened));
    const live = await walk('live');
    expect(live.every((r) => r.state === 'live')).toBe(true);
    expect(live.map((r) => r.id)).toEqual(expect.arrayContaining(opened.slice(1)));
    expect(live.map((r) => r.id)).not.toContain(opened[0]);
    expect((await walk('ended')).map((r) => r.id)).toContain(opened[0]);
  });

  it('roomAsOf: the room as it was at a moment, before later changes', async () => {
    const main = await openRoom(api, as('alice'));
    await joinRoom(api, as('bob'), main.id);
    await sleep(20);
    const at = new Date().toISOString();
    await sleep(20);
    await joinRoom(api, as('carol'), main.id);
    const query = `query($id: ID!, $at: DateTime!) { roomAsOf(id: $id, at: $at) { id listenerCount } }`;
    const then = await api.data<{ roomAsOf: { id: string; listenerCount: number } }>(query, {
      token: as('ann'),
      variables: { id: main.id, at },
    });
    expect(then.roomAsOf).toEqual({ id: main.id, listenerCount: 1 });
    expect((await room(main.id))?.listenerCount).toBe(2);
    const before = await api.data<{ roomAsOf: unknown }>(query, {
      token: as('pat'),
      variables: { id: main.id, at: '2000-01-01T00:00:00.000Z' },
    });
    expect(before.roomAsOf).toBeNull();
  });

  it('roomHistory: the raw events, oldest first, a page at a time', async () => {
    const main = await openRoom(api, as('alice'));
    await joinRoom(api, as('bob'), main.id);
    await mutate('bob', 'raiseHand', { roomId: main.id });
    await mutate('bob', 'leaveRoom', { roomId: main.id });
    type Page = {
      roomHistory: {
        nodes: { revision: string; type: string; actor: string | null; data: string; recordedAt: string }[];
        pageInfo: { endCursor: string | null; hasNextPage: boolean };
      };
    };
    const events: Page['roomHistory']['nodes'] = [];
    let after: string | null = null;
    for (;;) {
      const { roomHistory }: Page = await api.data<Page>(
        `query($id: ID!, $after: String) {
          roomHistory(id: $id, first: 2, after: $after) {
            nodes { revision type actor data recordedAt } pageInfo { endCursor hasNextPage } } }`,
        { token: as('ann'), variables: { id: main.id, after } },
      );
      events.push(...roomHistory.nodes);
      if (!roomHistory.pageInfo.hasNextPage) break;
      expect(roomHistory.nodes).toHaveLength(2);
      after = roomHistory.pageInfo.endCursor;
    }
    expect(events.map((e) => e.type)).toEqual(['RoomOpened', 'ListenerAdmitted', 'HandRaised', 'ListenerLeft']);
    expect(events.map((e) => e.revision)).toEqual(['0', '1', '2', '3']);
    expect(events.map((e) => e.actor)).toEqual(['alice', 'bob', 'bob', 'bob']);
    expect(JSON.parse(events[1]!.data)).toMatchObject({ roomId: main.id, userId: 'bob' });
  });

  it('roomAnalytics: counts, peak and a per-second timeline', async () => {
    const main = await openRoom(api, as('alice'), { capacity: 2 });
    for (const user of ['bob', 'carol', 'dave']) await joinRoom(api, as(user), main.id);
    await mutate('dave', 'leaveRoom', { roomId: main.id });
    const { roomAnalytics } = await api.data<{
      roomAnalytics: {
        roomId: string;
        joins: number;
        leaves: number;
        familyPeak: number;
        overflowRooms: number;
        timeline: { second: string; joins: number; leaves: number }[];
      };
    }>(
      `query($id: ID!) { roomAnalytics(id: $id) {
        roomId joins leaves familyPeak overflowRooms timeline { second joins leaves } } }`,
      { token: as('pat'), variables: { id: main.id } },
    );
    expect(roomAnalytics).toMatchObject({ roomId: main.id, joins: 3, leaves: 1, familyPeak: 3, overflowRooms: 1 });
    expect(roomAnalytics.timeline.length).toBeGreaterThan(0);
    expect(roomAnalytics.timeline.reduce((sum, s) => sum + s.joins, 0)).toBe(3);
    expect(roomAnalytics.timeline.reduce((sum, s) => sum + s.leaves, 0)).toBe(1);
    const seconds = roomAnalytics.timeline.map((s) => s.second);
    expect(seconds).toEqual([...seconds].sort());
    const unknown = await api.data<{ roomAnalytics: unknown }>(`{ roomAnalytics(id: "no-such-room") { roomId } }`, {
      token: as('ann'),
    });
    expect(unknown.roomAnalytics).toBeNull();
  });

  it('viewer: who the token says you are', async () => {
    expect(await api.data(`{ viewer { id roles } }`, { token: as('pat') })).toEqual({
      viewer: { id: 'pat', roles: ['producer'] },
    });
    expect(await api.data(`{ viewer { id } }`)).toEqual({ viewer: null });
  });

  describe('refusals come back with a code and a sentence, and write nothing', () => {
    const refused = async (user: string, document: string, code: string, message: RegExp) => {
      const head = await api.head();
      const reply = await api.request(document, { token: as(user) });
      expect(reply.status).toBeLessThan(500);
      // A refused mutation field answers null beside its error (mutation fields are nullable); a query, no data.
      for (const value of Object.values(reply.data ?? {})) expect(value).toBeNull();
      expect(reply.errors).toHaveLength(1);
      expect(reply.errors?.[0]?.extensions?.code).toBe(code);
      expect(reply.errors?.[0]?.message).toMatch(message);
      expect(await api.head()).toBe(head);
    };

    it('ROOM_FULL when the room and all its allowed overflow rooms are full', async () => {
      const main = await openRoom(api, as('alice'), { capacity: 1, maxOverflowRooms: 0 });
      await joinRoom(api, as('bob'), main.id);
      const history = `query { roomHistory(id: "${main.id}") { nodes { type } } }`;
      const before = await api.data(history, { token: as('ann') });
      await refused(
        'carol',
        `mutation { joinRoom(roomId: "${main.id}") { ... on Placement { role } } }`,
        'ROOM_FULL',
        /full.*try again when someone leaves/,
      );
      expect(await api.data(history, { token: as('ann') })).toEqual(before);
      expect((await room(main.id))?.listenerCount).toBe(1);
    });

    it('ALREADY_IN_ROOM when joining twice', async () => {
      const main = await openRoom(api, as('alice'));
      await joinRoom(api, as('bob'), main.id);
      await refused(
        'bob',
        `mutation { joinRoom(roomId: "${main.id}") { ... on Placement { role } } }`,
        'ALREADY_IN_ROOM',
        /already in room .*leave it first/,
      );
    });

    it('a refusal only the room machine makes reaches the person as its rule, never as CONFLICT', async () => {
      const main = await openRoom(api, as('alice'));
      // Raising a hand is decided without asking a rule first: the machine's guard refuses, with the rule's
      // sentence (NOT_IN_ROOM for a stranger is below, with the domain's other refusals).
      await refused(
        'alice',
        `mutation { raiseHand(roomId: "${main.id}") { id } }`,
        'ALREADY_A_SPEAKER',
        /already on the stage/,
      );
    });

    it('NOT_FOUND for a room that does not exist', async () => {
      await refused(
        'bob',
        `mutation { joinRoom(roomId: "no-such-room") { ... on Placement { role } } }`,
        'NOT_FOUND',
        /no-such-room does not exist: open or schedule it first/,
      );
      await refused(
        'alice',
        `mutation { endRoom(roomId: "no-such-room") { id } }`,
        'NOT_FOUND',
        /no-such-room does not exist/,
      );
      await refused('ann', `{ roomHistory(id: "no-such-room") { nodes { type } } }`, 'NOT_FOUND', /does not exist/);
      expect(await room('no-such-room')).toBeNull();
    });

    it('INVALID_INPUT for a bad title, capacity or page size', async () => {
      await refused(
        'alice',
        `mutation { openRoom(input: { title: "  " }) { id } }`,
        'INVALID_INPUT',
        /title of 1 to 200/,
      );
      await refused(
        'alice',
        `mutation { openRoom(input: { title: "x", capacity: 0 }) { id } }`,
        'INVALID_INPUT',
        /capacity must be a whole number from 1/,
      );
      await refused(
        'alice',
        `{ rooms(first: 0) { pageInfo { endCursor } } }`,
        'INVALID_INPUT',
        /first must be from 1 to 100, not 0/,
      );
      await refused(
        'ann',
        `{ roomHistory(id: "x", after: "page-two") { nodes { type } } }`,
        'INVALID_INPUT',
        /after must be the endCursor of an earlier page/,
      );
    });

    it('NOT_IN_ROOM, NOT_INVITED, NOT_A_SPEAKER for what the domain refuses', async () => {
      const main = await openRoom(api, as('alice'));
      await refused(
        'erin',
        `mutation { raiseHand(roomId: "${main.id}") { id } }`,
        'NOT_IN_ROOM',
        /erin is not in room/,
      );
      await refused(
        'erin',
        `mutation { acceptInvite(roomId: "${main.id}") { id } }`,
        'NOT_INVITED',
        /has not been invited to speak.*raise a hand first/,
      );
      await refused(
        'alice',
        `mutation { moveToAudience(roomId: "${main.id}", userId: "erin") { id } }`,
        'NOT_A_SPEAKER',
        /erin is not on the stage/,
      );
    });
  });
});
