import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/apiServer.ts';
import {
  subscribeOverSse,
  subscribeOverWs,
  wsClient,
  type ReceivedFeed,
  type SubscriptionResult,
} from '../support/feedClients.ts';
import { joinRoom, openRoom } from './rooms.ts';

const FEED_FIELDS = `
  __typename
  ... on ListenerCountChanged { roomId listenerCount familyListenerCount position }
  ... on HandsChanged { roomId userIds position }
  ... on SpeakersChanged { roomId userIds position }
  ... on SpeakerInvited { roomId userId position }
  ... on RoomOpened { roomId position }
  ... on RoomBecameFull { roomId position }
  ... on RoomHadSeatsAgain { roomId position }
  ... on OverflowRoomSpawned { roomId overflowRoomId position }
  ... on OverflowRoomDrained { roomId overflowRoomId position }
  ... on RoomEnded { roomId reason position }
`;
const ROOM_FEED = `subscription($roomId: ID!) { roomFeed(roomId: $roomId) { ${FEED_FIELDS} } }`;
const DIRECTORY = `subscription { directory { ${FEED_FIELDS} } }`;

interface FeedItem {
  readonly __typename: string;
  readonly roomId: string;
  readonly position: string;
  readonly listenerCount?: number;
  readonly userIds?: string[];
  readonly userId?: string;
  readonly reason?: string;
}
type Feed = ReceivedFeed<Record<string, FeedItem>>;

/** The feed items received, without their positions (which differ by nothing between transports). */
const itemsOf = (results: readonly SubscriptionResult<Record<string, FeedItem>>[], field: string) =>
  results.map((result) => {
    expect(result.errors).toBeUndefined();
    return result.data![field]!;
  });
const summary = (item: FeedItem): string => {
  switch (item.__typename) {
    case 'ListenerCountChanged':
      return `ListenerCountChanged ${item.listenerCount}`;
    case 'HandsChanged':
    case 'SpeakersChanged':
      return `${item.__typename} [${item.userIds!.join(',')}]`;
    case 'SpeakerInvited':
      return `SpeakerInvited ${item.userId}`;
    case 'RoomEnded':
      return `RoomEnded ${item.reason}`;
    default:
      return item.__typename;
  }
};

/** Longer than the 250 ms listener-count coalescing, so each step's count goes out on its own. */
const STEP_GAP_MS = 400;

describe('GraphQL subscriptions', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};
  const clients: Client[] = [];
  const feeds: Feed[] = [];
  const connectWs = (token?: string): Client => {
    const client = wsClient(api.url, token ? `Bearer ${token}` : undefined);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    api = await startApi('gql-subscriptions');
    for (const user of ['alice', 'bob', 'carol']) tokens[user] = await api.token(user, 'listener');
  });
  afterAll(async () => {
    for (const feed of feeds) feed.close();
    for (const client of clients) await client.dispose();
    await api.stop();
  });

  const step = async (user: string, document: string) => {
    await api.data(document, { token: tokens[user] });
    await sleep(STEP_GAP_MS);
  };

  it('roomFeed: SSE and WebSocket subscribers see the same changes, in log order', async () => {
    const { id } = await openRoom(api, tokens.alice!);
    // Both as the moderator, who sees raised hands (feedSemantics.test.ts covers who else does).
    const overSse: Feed = await subscribeOverSse(api.url, ROOM_FEED, {
      variables: { roomId: id },
      token: tokens.alice,
    });
    const client = connectWs(tokens.alice);
    const overWs: Feed = subscribeOverWs(client, ROOM_FEED, { variables: { roomId: id } });
    feeds.push(overSse, overWs);
    await sleep(300); // graphql-ws does not acknowledge a subscription: give it time to register.

    await joinRoom(api, tokens.bob!, id);
    await sleep(STEP_GAP_MS);
    await step('bob', `mutation { raiseHand(roomId: "${id}") { id } }`);
    await step('alice', `mutation { inviteToSpeak(roomId: "${id}", userId: "bob") { id } }`);
    await step('bob', `mutation { leaveRoom(roomId: "${id}") { id } }`);
    await step('alice', `mutation { endRoom(roomId: "${id}") { id } }`);

    const expected = [
      'ListenerCountChanged 1',
      'HandsChanged [bob]',
      'SpeakerInvited bob',
      'HandsChanged []',
      'ListenerCountChanged 0',
      'RoomEnded ended',
    ];
    for (const feed of [overSse, overWs]) {
      await feed.until((results) => results.length >= expected.length);
      const items = itemsOf(feed.results, 'roomFeed');
      expect(items.map(summary)).toEqual(expected);
      expect(items.every((item) => item.roomId === id)).toBe(true);
      const positions = items.map((item) => BigInt(item.position));
      expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    expect(overWs.results).toEqual(overSse.results);
  });

  it('roomFeed carries the whole family: a join spilling into an overflow room counts there', async () => {
    const { id } = await openRoom(api, tokens.alice!, { capacity: 1 });
    const feed: Feed = await subscribeOverSse(api.url, ROOM_FEED, { variables: { roomId: id }, token: tokens.alice });
    feeds.push(feed);
    await joinRoom(api, tokens.bob!, id);
    await joinRoom(api, tokens.carol!, id);
    const overflowId = `${id}.overflow-1`;
    const seen = () => itemsOf(feed.results, 'roomFeed').map((item) => `${summary(item)} ${item.roomId}`);
    await feed.until(() => seen().includes(`ListenerCountChanged 1 ${overflowId}`));
    expect(seen()).toEqual(
      expect.arrayContaining([
        `ListenerCountChanged 1 ${id}`,
        `RoomBecameFull ${id}`,
        `OverflowRoomSpawned ${id}`,
        `RoomOpened ${overflowId}`,
        `ListenerCountChanged 1 ${overflowId}`,
      ]),
    );
  });

  it('directory: open to everyone, and sees rooms open, fill, spill and end', async () => {
    const overSse: Feed = await subscribeOverSse(api.url, DIRECTORY);
    const overWs: Feed = subscribeOverWs(connectWs(), DIRECTORY);
    feeds.push(overSse, overWs);
    await sleep(300);
    const { id } = await openRoom(api, tokens.alice!, { capacity: 1, maxOverflowRooms: 1 });
    await joinRoom(api, tokens.bob!, id);
    await joinRoom(api, tokens.carol!, id);
    await api.data(`mutation { endRoom(roomId: "${id}") { id } }`, { token: tokens.alice });
    const expected = ['RoomOpened', 'RoomBecameFull', 'OverflowRoomSpawned', 'RoomEnded ended'];
    for (const feed of [overSse, overWs]) {
      const ours = () =>
        itemsOf(feed.results, 'directory')
          .filter((item) => item.roomId === id && item.__typename !== 'ListenerCountChanged')
          .map(summary);
      await feed.until(() => ours().length >= expected.length);
      expect(ours()).toEqual(expected);
    }
  });

  it('roomFeed without a token is refused with UNAUTHENTICATED, over both transports', async () => {
    const { id } = await openRoom(api, tokens.alice!);
    const overSse: Feed = await subscribeOverSse(api.url, ROOM_FEED, { variables: { roomId: id } });
    const overWs: Feed = subscribeOverWs(connectWs(), ROOM_FEED, { variables: { roomId: id } });
    feeds.push(overSse, overWs);
    for (const feed of [overSse, overWs]) {
      await feed.until((results) => results.length >= 1);
      expect(feed.results[0]?.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(feed.results[0]?.errors?.[0]?.message).toMatch(/Sign in first/);
      expect(feed.results[0]?.data ?? null).toBeNull();
      await expect(feed.ended).resolves.toEqual({});
    }
  });

  it.each([
    ['a token signed with another secret', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJldmUifQ.c2lnbmF0dXJl'],
    ['a header that is not a bearer token', 'Basic YWxpY2U6c2VjcmV0'],
  ])('a WebSocket connection with %s is closed with 4403 Forbidden', async (_what, authorization) => {
    const refused = wsClient(api.url, authorization);
    clients.push(refused);
    const feed: Feed = subscribeOverWs(refused, DIRECTORY);
    feeds.push(feed);
    const { error } = await feed.ended;
    expect(error).toMatchObject({ code: 4403, reason: 'Forbidden' });
    expect(feed.results).toEqual([]);
  });

  it('a WebSocket subscription with a syntax error is answered with the error; the socket keeps working', async () => {
    const client = connectWs(tokens.alice);
    const broken: Feed = subscribeOverWs(client, 'subscription { roomFeed(roomId: ');
    feeds.push(broken);
    const { error } = await broken.ended;
    expect(error).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Syntax Error/) })]);
    // Six whole-schema introspections: 6 × 1,002 (a page size past the largest is priced as the largest).
    const sixSchemas = Array.from({ length: 6 }, (_, i) => `s${i}: __schema { queryType { name } }`).join(' ');
    const tooCostly: Feed = subscribeOverWs(client, `query { ${sixSchemas} }`);
    feeds.push(tooCostly);
    const { error: refused } = await tooCostly.ended;
    expect(refused).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^The query would cost \d+; the limit is 5000/) }),
    ]);
    const fine: Feed = subscribeOverWs(client, DIRECTORY);
    feeds.push(fine);
    await sleep(200);
    const { id } = await openRoom(api, tokens.alice!);
    await fine.until((results) => results.some((r) => r.data?.directory?.roomId === id));
  });
});
