import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/runtime/index.ts';
import { postGraphQL, TEST_SECRET } from '../support/apiServer.ts';
import { subscribeOverSse, type ReceivedFeed } from '../support/feedClients.ts';
import { nodesOfOneLog, type ServeProcess } from '../support/serveProcess.ts';
import { testNamespace } from '../support/redisNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * Two `spillway serve` processes sharing one SQLite event store, each with
 * its own read models, and subscriptions through Redis: what one node's
 * mutation did reaches the other node's subscribers (their feed keys are
 * under the namespace derived from the shared log, this test's own).
 */
describe('two API nodes over one event store and Redis', () => {
  const dir = makeTempDir('gql-two-nodes');
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const nodes: ServeProcess[] = [];
  const feeds: ReceivedFeed[] = [];
  let a: ServeProcess;
  let b: ServeProcess;
  const tokens: Record<string, string> = {};
  const namespace = testNamespace('two-nodes');

  const gql = async <T>(node: ServeProcess, query: string, token?: string): Promise<T> => {
    const reply = await postGraphQL<T>(node.url, query, { token });
    if (reply.errors) throw new Error(`${node.url}: ${JSON.stringify(reply.errors)}`);
    return reply.data!;
  };
  const feedOf = async (node: ServeProcess, query: string, token?: string) => {
    const feed = await subscribeOverSse(node.url, query, { token });
    feeds.push(feed);
    return feed;
  };

  beforeAll(async () => {
    const start = nodesOfOneLog(dir.path, {
      ...process.env,
      REDIS_URL: redisUrl,
      SPILLWAY_JWT_SECRET: TEST_SECRET,
      SPILLWAY_MEDIA: 'off',
      SPILLWAY_NAMESPACE: namespace.namespace,
    });
    a = await start('node-a');
    nodes.push(a);
    b = await start('node-b');
    nodes.push(b);
    for (const user of ['alice', 'bob']) tokens[user] = await signToken(TEST_SECRET, user, ['listener']);

    // A lease left by an earlier run that died may hold the feed for up to 3 s: wait until a
    // room opened on B shows up in A's directory feed, i.e. some node publishes.
    const directory = await feedOf(a, `subscription { directory { __typename ... on RoomOpened { roomId } } }`);
    for (let attempt = 0; ; attempt++) {
      const { openRoom } = await gql<{ openRoom: { id: string } }>(
        b,
        `mutation { openRoom(input: { title: "warm-up" }) { id } }`,
        tokens.alice,
      );
      const published = directory
        .until((results) => results.some((r) => JSON.stringify(r).includes(openRoom.id)), 1000)
        .then(() => true)
        .catch(() => false);
      if (await published) break;
      if (attempt >= 8) throw new Error('No node published the feed to Redis within 9 s.');
    }
    directory.close();
  });

  afterAll(async () => {
    for (const feed of feeds) feed.close();
    const outcomes = await Promise.all(nodes.map((node) => node.stop()));
    dir.remove();
    await namespace.wipe();
    for (const outcome of outcomes)
      expect({ code: outcome.code, signal: outcome.signal }, outcome.stderr).toEqual({ code: 0, signal: null });
  });

  it('serves the same API from both processes, with the feed through Redis', () => {
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(b.url).not.toBe(a.url);
  });

  it("a subscriber on node A sees node B's mutations, and node B's subscriber A's, each once", async () => {
    const { openRoom } = await gql<{ openRoom: { id: string } }>(
      b,
      `mutation { openRoom(input: { title: "Across nodes" }) { id } }`,
      tokens.alice,
    );
    const roomId = openRoom.id;
    const query = `subscription { roomFeed(roomId: "${roomId}") {
      __typename ... on ListenerCountChanged { listenerCount } ... on HandsChanged { userIds } } }`;
    const onA = await feedOf(a, query, tokens.alice);
    const onB = await feedOf(b, query, tokens.alice);

    // The room's RoomOpened may reach them or not, depending on how far the publishing node had got.
    const changes = (feed: ReceivedFeed) =>
      feed.results.map((r) => r.data).filter((d) => JSON.stringify(d) !== '{"roomFeed":{"__typename":"RoomOpened"}}');

    await gql(b, `mutation { joinRoom(roomId: "${roomId}") { ... on Placement { role } } }`, tokens.bob);
    await onA.until(() => changes(onA).length >= 1);
    expect(changes(onA)[0]).toEqual({ roomFeed: { __typename: 'ListenerCountChanged', listenerCount: 1 } });

    // Node A's read models follow the shared log: once caught up, its room shows B's write.
    const deadline = Date.now() + 5000;
    let seenOnA: { listenerCount: number } | null = null;
    while (Date.now() < deadline) {
      ({ room: seenOnA } = await gql<{ room: { listenerCount: number } | null }>(
        a,
        `{ room(id: "${roomId}") { listenerCount } }`,
        tokens.alice,
      ));
      if (seenOnA?.listenerCount === 1) break;
      await sleep(50);
    }
    expect(seenOnA).toEqual({ listenerCount: 1 });

    // Now a mutation on A, after A has caught up: both subscribers see it.
    await gql(a, `mutation { raiseHand(roomId: "${roomId}") { id } }`, tokens.bob);
    for (const feed of [onA, onB]) await feed.until(() => changes(feed).length >= 2);
    await sleep(500); // Had both nodes published, the duplicates would arrive by now.
    const expected = [
      { roomFeed: { __typename: 'ListenerCountChanged', listenerCount: 1 } },
      { roomFeed: { __typename: 'HandsChanged', userIds: ['bob'] } },
    ];
    expect(changes(onA)).toEqual(expected);
    expect(changes(onB)).toEqual(expected);
  });
});
