import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/apiServer.ts';
import { subscribeOverSse, subscribeOverWs, wsClient } from '../support/feedClients.ts';
import { openRoom } from './rooms.ts';

const JOIN = `mutation($roomId: ID!) {
  joinRoom(roomId: $roomId) {
    __typename
    ... on Placement { role room { id } }
    ... on Queued { position waiting room { id queued } }
  }
}`;
const FOLLOW = `subscription($roomId: ID!) {
  waitingRoom(roomId: $roomId) {
    __typename
    ... on Queued { position waiting }
    ... on Placement { room { id } }
  }
}`;

type Outcome =
  | { __typename: 'Placement'; role: string; room: { id: string } }
  | { __typename: 'Queued'; position: number; waiting: number; room: { id: string; queued: number } };

/** A full family's waiting room over real HTTP, SSE and graphql-ws (SPILLWAY_QUEUE_CAPACITY=2). */
describe('the waiting room over the API', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};
  const join = async (user: string, roomId: string) =>
    (await api.data<{ joinRoom: Outcome }>(JOIN, { token: tokens[user]!, variables: { roomId } })).joinRoom;
  const mutate = (user: string, field: 'leaveRoom' | 'leaveQueue', roomId: string) =>
    api.data(`mutation($roomId: ID!) { ${field}(roomId: $roomId) { id queued } }`, {
      token: tokens[user]!,
      variables: { roomId },
    });

  beforeAll(async () => {
    api = await startApi('gql-waiting-room', {}, { SPILLWAY_QUEUE_CAPACITY: '2' });
    for (const user of ['host', 'bob', 'carol', 'dave', 'erin']) tokens[user] = await api.token(user, 'listener');
    tokens.ann = await api.token('ann', 'analyst');
  });
  afterAll(() => api.stop());

  it('queues when the family is full, answers the same place when asked again, and refuses past the limit with a sentence', async () => {
    const room = await openRoom(api, tokens.host!, { capacity: 1, maxOverflowRooms: 0 });
    expect(await join('bob', room.id)).toEqual({ __typename: 'Placement', role: 'listener', room: { id: room.id } });
    expect(await join('carol', room.id)).toEqual({
      __typename: 'Queued',
      position: 1,
      waiting: 1,
      room: { id: room.id, queued: 1 },
    });
    expect(await join('dave', room.id)).toMatchObject({ __typename: 'Queued', position: 2, waiting: 2 });
    const head = await api.head();
    expect(await join('carol', room.id)).toMatchObject({ __typename: 'Queued', position: 1, waiting: 2 });
    expect(await api.head(), 'a second join writes nothing').toBe(head);

    const refused = await api.request(JOIN, { token: tokens.erin!, variables: { roomId: room.id } });
    expect(refused.data).toEqual({ joinRoom: null });
    expect(refused.errors?.[0]?.extensions?.code).toBe('ROOM_FULL');
    expect(refused.errors?.[0]?.message).toMatch(/waiting room is full \(2 listeners wait, its limit\); try again/);
    expect(await api.head(), 'a refused join writes nothing').toBe(head);
  });

  it('streams a queued listener their position, then their seat (SSE and graphql-ws); leaving the queue is a mutation', async () => {
    const room = await openRoom(api, tokens.host!, { capacity: 1, maxOverflowRooms: 0 });
    await join('bob', room.id);
    await join('carol', room.id);
    await join('dave', room.id);
    const beforeAnyLeft = new Date();
    await sleep(5);

    const carolFeed = subscribeOverWs<{ waitingRoom: Outcome }>(wsClient(api.url, `Bearer ${tokens.carol}`), FOLLOW, {
      variables: { roomId: room.id },
    });
    const daveFeed = await subscribeOverSse<{ waitingRoom: Outcome }>(api.url, FOLLOW, {
      token: tokens.dave!,
      variables: { roomId: room.id },
    });
    await carolFeed.until((r) => r.length === 1);
    await daveFeed.until((r) => r.length === 1);
    expect(carolFeed.results[0]?.data?.waitingRoom).toEqual({ __typename: 'Queued', position: 1, waiting: 2 });
    expect(daveFeed.results[0]?.data?.waitingRoom).toEqual({ __typename: 'Queued', position: 2, waiting: 2 });

    // Carol gives up: her feed ends, Dave moves up.
    expect(await mutate('carol', 'leaveQueue', room.id)).toEqual({ leaveQueue: { id: room.id, queued: 1 } });
    await daveFeed.until((r) => r.length === 2);
    expect(daveFeed.results[1]?.data?.waitingRoom).toEqual({ __typename: 'Queued', position: 1, waiting: 1 });
    expect(await carolFeed.ended).toEqual({});
    expect(carolFeed.results).toHaveLength(1);

    // Bob leaves: his seat goes to Dave, in the same turn; Dave's feed says where, and completes.
    await mutate('bob', 'leaveRoom', room.id);
    await daveFeed.until((r) => r.length === 3);
    expect(daveFeed.results[2]?.data?.waitingRoom).toEqual({ __typename: 'Placement', room: { id: room.id } });
    expect(await daveFeed.ended).toEqual({});
    const after = await api.data<{ room: { listenerCount: number; queued: number } }>(
      `query($id: ID!) { room(id: $id) { listenerCount queued } }`,
      { token: tokens.host!, variables: { id: room.id } },
    );
    expect(after.room).toEqual({ listenerCount: 1, queued: 0 });

    // Someone not waiting (Carol, who left) is told so.
    const notQueued = await subscribeOverSse(api.url, FOLLOW, { token: tokens.carol!, variables: { roomId: room.id } });
    await notQueued.ended;
    expect(notQueued.results[0]?.errors?.[0]?.extensions?.code).toBe('NOT_QUEUED');

    // roomAsOf and the analytics show the queue over time.
    const asOf = await api.data<{ roomAsOf: { queued: number; listenerCount: number } }>(
      `query($id: ID!, $at: DateTime!) { roomAsOf(id: $id, at: $at) { queued listenerCount } }`,
      { token: tokens.ann!, variables: { id: room.id, at: beforeAnyLeft.toISOString() } },
    );
    expect(asOf.roomAsOf).toEqual({ queued: 2, listenerCount: 1 });
    const analytics = await api.data<{
      roomAnalytics: {
        queued: number;
        queuePeak: number;
        queuedInAll: number;
        admittedFromQueue: number;
        leftQueue: number;
        timeline: Array<{ queued: number; admittedFromQueue: number }>;
      };
    }>(
      `query($id: ID!) { roomAnalytics(id: $id) { queued queuePeak queuedInAll admittedFromQueue leftQueue timeline { queued admittedFromQueue } } }`,
      { token: tokens.ann!, variables: { id: room.id } },
    );
    const { timeline, ...summary } = analytics.roomAnalytics;
    expect(summary).toEqual({ queued: 0, queuePeak: 2, queuedInAll: 2, admittedFromQueue: 1, leftQueue: 1 });
    expect(timeline.at(-1)).toEqual({ queued: 0, admittedFromQueue: 1 });
  });

  it('leaveQueue for someone not waiting is NOT_QUEUED and writes nothing', async () => {
    const room = await openRoom(api, tokens.host!, { capacity: 1, maxOverflowRooms: 0 });
    const head = await api.head();
    const reply = await api.request(`mutation($roomId: ID!) { leaveQueue(roomId: $roomId) { id } }`, {
      token: tokens.erin!,
      variables: { roomId: room.id },
    });
    expect(reply.errors?.[0]?.extensions?.code).toBe('NOT_QUEUED');
    expect(reply.errors?.[0]?.message).toMatch(/erin is not waiting for a seat in room/);
    expect(await api.head()).toBe(head);
  });
});
