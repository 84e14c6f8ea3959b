// What a roomFeed client can rely on, through the stock graphql-sse and graphql-ws clients against
// the real server: how it ends, the order of positions, and who sees raised hands.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/apiServer.ts';
import {
  subscribeOverWs,
  subscribeWithGraphqlSse,
  wsClient,
  type ReceivedFeed,
  type SubscriptionResult,
} from '../support/feedClients.ts';
import { joinRoom, openRoom } from './rooms.ts';

const ROOM_FEED = `subscription($roomId: ID!) { roomFeed(roomId: $roomId) {
  __typename
  ... on ListenerCountChanged { roomId listenerCount position }
  ... on HandsChanged { roomId userIds position }
  ... on SpeakersChanged { roomId userIds position }
  ... on SpeakerInvited { roomId userId position }
  ... on OverflowRoomSpawned { roomId overflowRoomId position }
  ... on RoomOpened { roomId position }
  ... on RoomBecameFull { roomId position }
  ... on RoomEnded { roomId reason position }
} }`;

interface Item {
  readonly __typename: string;
  readonly roomId: string;
  readonly position: string;
  readonly listenerCount?: number;
  readonly userIds?: string[];
  readonly reason?: string;
}
type Feed = ReceivedFeed<{ roomFeed: Item }>;
type Result = SubscriptionResult<{ roomFeed: Item }>;

const itemsOf = (results: readonly Result[]): Item[] =>
  results.map((result) => {
    expect(result.errors).toBeUndefined();
    return result.data!.roomFeed;
  });
const handsSeen = (feed: Feed): string[][] =>
  itemsOf(feed.results)
    .filter((item) => item.__typename === 'HandsChanged')
    .map((item) => item.userIds!);

const TRANSPORTS = ['graphql-sse', 'graphql-ws'] as const;
type Transport = (typeof TRANSPORTS)[number];

/** graphql-ws and graphql-sse do not acknowledge a subscription: give it time to register. */
const REGISTERED_MS = 300;

describe('roomFeed semantics (stock graphql-sse and graphql-ws clients)', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};
  const clients: Client[] = [];
  const feeds: Feed[] = [];

  beforeAll(async () => {
    api = await startApi('gql-feed-semantics');
    for (const user of ['alice', 'bob', 'carol', 'dave']) tokens[user] = await api.token(user, 'listener');
  });
  afterAll(async () => {
    for (const feed of feeds) feed.close();
    for (const client of clients) await client.dispose();
    await api.stop();
  });

  const subscribe = (transport: Transport, user: string, roomId: string): Feed => {
    const variables = { roomId };
    let feed: Feed;
    if (transport === 'graphql-sse') {
      feed = subscribeWithGraphqlSse(api.url, ROOM_FEED, { variables, token: tokens[user] });
    } else {
      const client = wsClient(api.url, `Bearer ${tokens[user]}`);
      clients.push(client);
      feed = subscribeOverWs(client, ROOM_FEED, { variables });
    }
    feeds.push(feed);
    return feed;
  };
  const as = (user: string, document: string) => api.data(document, { token: tokens[user] });
  /** Resolves once the room's RoomEnded arrived (so every earlier item has too), completion aside. */
  const ended = (feed: Feed, roomId: string): Promise<void> =>
    feed.until((results) =>
      results.some((r) => r.data?.roomFeed.__typename === 'RoomEnded' && r.data.roomFeed.roomId === roomId),
    );
  /** Resolves once the feed completed cleanly; fails if it is still open after `ms`. */
  const completes = async (feed: Feed, ms = 5000): Promise<void> => {
    const outcome = await Promise.race([feed.ended, sleep(ms).then(() => 'still open' as const)]);
    expect(outcome).toEqual({});
  };

  it.each(TRANSPORTS)('%s: a room that does not exist answers NOT_FOUND and ends', async (transport) => {
    const feed = subscribe(transport, 'alice', 'no-such-room');
    await completes(feed);
    expect(feed.results).toHaveLength(1);
    expect(feed.results[0]!.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(feed.results[0]!.errors?.[0]?.message).toMatch(/no-such-room does not exist/);
  });

  it.each(TRANSPORTS)('%s: an ended room sends its RoomEnded and completes', async (transport) => {
    const { id } = await openRoom(api, tokens.alice!);
    await as('alice', `mutation { endRoom(roomId: "${id}") { id } }`);
    const { room } = await as('alice', `query { room(id: "${id}") { position } }`);
    const feed = subscribe(transport, 'bob', id);
    await completes(feed);
    expect(itemsOf(feed.results)).toEqual([
      { __typename: 'RoomEnded', roomId: id, reason: 'ended', position: (room as { position: string }).position },
    ]);
  });

  it.each(TRANSPORTS)(
    '%s: a live feed completes right after RoomEnded; an overflow room’s after its own',
    async (transport) => {
      const { id } = await openRoom(api, tokens.alice!, { capacity: 1 });
      await joinRoom(api, tokens.bob!, id);
      await joinRoom(api, tokens.carol!, id);
      const overflowId = `${id}.overflow-1`;
      const main = subscribe(transport, 'alice', id);
      const overflow = subscribe(transport, 'carol', overflowId);
      await sleep(REGISTERED_MS);
      await as('alice', `mutation { endRoom(roomId: "${id}") { id } }`);
      await completes(main);
      await completes(overflow);
      const ends = (feed: Feed) =>
        itemsOf(feed.results)
          .filter((item) => item.__typename === 'RoomEnded')
          .map((item) => `${item.roomId} ${item.reason}`);
      expect(ends(main)).toEqual([`${id} ended`]);
      expect(itemsOf(main.results).at(-1)?.__typename).toBe('RoomEnded');
      expect(ends(overflow)).toEqual([`${id} ended`, `${overflowId} parentEnded`]);
      expect(itemsOf(overflow.results).at(-1)).toMatchObject({ __typename: 'RoomEnded', roomId: overflowId });
    },
  );

  it.each(TRANSPORTS)(
    '%s: positions never decrease, though a coalesced count goes out after later changes',
    async (transport) => {
      const { id } = await openRoom(api, tokens.alice!);
      const feed = subscribe(transport, 'alice', id);
      await sleep(REGISTERED_MS);
      // bob's count goes out at once and opens the window; carol's join waits for its end, while bob's
      // raised hand, logged after it, goes out at once. Sent in-process so both land well inside the window.
      await joinRoom(api, tokens.bob!, id);
      const at = new Date().toISOString();
      const { commands } = api.server.engine;
      await Promise.all([
        commands.send({ type: 'JoinRoom', data: { roomId: id }, metadata: { actor: 'carol', at } }),
        commands.send({ type: 'RaiseHand', data: { roomId: id }, metadata: { actor: 'bob', at } }),
      ]);
      await sleep(400);
      await as('alice', `mutation { endRoom(roomId: "${id}") { id } }`);
      await ended(feed, id);
      const items = itemsOf(feed.results);
      expect(items.map((item) => `${item.__typename} ${item.listenerCount ?? item.userIds?.join(',') ?? ''}`)).toEqual([
        'ListenerCountChanged 1',
        'HandsChanged bob',
        'ListenerCountChanged 2',
        'RoomEnded ',
      ]);
      const positions = items.map((item) => BigInt(item.position));
      for (let i = 1; i < positions.length; i++) expect(positions[i]! >= positions[i - 1]!).toBe(true);
    },
  );

  it.each(TRANSPORTS)('%s: a listener leaving with no hand up sends no HandsChanged', async (transport) => {
    const { id } = await openRoom(api, tokens.alice!);
    const feed = subscribe(transport, 'alice', id);
    await sleep(REGISTERED_MS);
    await joinRoom(api, tokens.bob!, id);
    await joinRoom(api, tokens.carol!, id);
    await as('carol', `mutation { raiseHand(roomId: "${id}") { id } }`);
    await as('bob', `mutation { leaveRoom(roomId: "${id}") { id } }`);
    await as('carol', `mutation { leaveRoom(roomId: "${id}") { id } }`);
    await as('alice', `mutation { endRoom(roomId: "${id}") { id } }`);
    await ended(feed, id);
    // carol's hand went up and came down with her; bob's leaving changed no hand.
    expect(handsSeen(feed)).toEqual([['carol'], []]);
  });

  it.each(TRANSPORTS)(
    '%s: raised hands go to the moderators, and to each owner for their own hand only',
    async (transport) => {
      const { id } = await openRoom(api, tokens.alice!);
      await joinRoom(api, tokens.bob!, id);
      await joinRoom(api, tokens.carol!, id);
      const seen = Object.fromEntries(
        ['alice', 'bob', 'carol', 'dave'].map((user) => [user, subscribe(transport, user, id)]),
      );
      await sleep(REGISTERED_MS);
      await as('bob', `mutation { raiseHand(roomId: "${id}") { id } }`);
      await as('carol', `mutation { raiseHand(roomId: "${id}") { id } }`);
      await as('alice', `mutation { lowerHand(roomId: "${id}", userId: "bob") { id } }`);
      await as('alice', `mutation { endRoom(roomId: "${id}") { id } }`);
      for (const feed of Object.values(seen)) await ended(feed, id);
      expect(handsSeen(seen.alice!)).toEqual([['bob'], ['bob', 'carol'], ['carol']]);
      expect(handsSeen(seen.bob!)).toEqual([['bob'], []]);
      expect(handsSeen(seen.carol!)).toEqual([['carol']]);
      // dave is not in the room and holds no hand: he is not told hands changed at all.
      expect(handsSeen(seen.dave!)).toEqual([]);
      // Everything else reaches everyone alike.
      const rest = (feed: Feed) => itemsOf(feed.results).filter((item) => item.__typename !== 'HandsChanged');
      expect(rest(seen.dave!)).toEqual(rest(seen.alice!));
      expect(rest(seen.dave!).at(-1)?.__typename).toBe('RoomEnded');
    },
  );
});
