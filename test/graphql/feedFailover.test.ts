import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/runtime/index.ts';
import { postGraphQL, TEST_SECRET } from '../support/apiServer.ts';
import { subscribeOverSse, type ReceivedFeed } from '../support/feedClients.ts';
import { nodesOfOneLog, type ServeProcess } from '../support/serveProcess.ts';
import { testNamespace } from '../support/redisNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * Two `spillway serve` processes over one log and Redis, in a namespace of
 * this test's own (deleted after): the feed leader is killed with SIGKILL,
 * and nothing written meanwhile is missing from the other node's feed;
 * garbage put on Redis is dropped, counted, and the node keeps serving.
 */
describe('the feed across API nodes when its leader dies, and garbage on Redis', () => {
  const dir = makeTempDir('gql-feed-failover');
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const { namespace, wipe } = testNamespace('failover');
  const leaderKey = `spillway:${namespace}:feed-leader`;
  const redis = new Redis(redisUrl);
  const nodes: ServeProcess[] = [];
  let directory: ReceivedFeed | undefined;
  let token = '';
  let a: ServeProcess;
  let b: ServeProcess;

  const openRoom = async (node: ServeProcess, title: string): Promise<string> => {
    const reply = await postGraphQL<{ openRoom: { id: string } }>(
      node.url,
      `mutation { openRoom(input: { title: "${title}" }) { id } }`,
      { token },
    );
    if (!reply.data) throw new Error(JSON.stringify(reply.errors));
    return reply.data.openRoom.id;
  };
  const opened = (): string[] =>
    (directory?.results ?? []).flatMap((r) => {
      const item = (r.data as { directory?: { __typename: string; roomId?: string } } | undefined)?.directory;
      return item?.__typename === 'RoomOpened' && item.roomId ? [item.roomId] : [];
    });

  beforeAll(async () => {
    token = await signToken(TEST_SECRET, 'moderator-1', ['listener']);
    const start = nodesOfOneLog(dir.path, {
      ...process.env,
      REDIS_URL: redisUrl,
      SPILLWAY_NAMESPACE: namespace,
      SPILLWAY_JWT_SECRET: TEST_SECRET,
      SPILLWAY_MEDIA: 'off',
    });
    a = await start('node-a');
    nodes.push(a);
    // A leads: it holds the lease before B starts.
    for (let i = 0; (await redis.get(leaderKey)) === null; i++) {
      if (i > 100) throw new Error('node A never took the feed lease');
      await sleep(50);
    }
    b = await start('node-b');
    nodes.push(b);
    directory = await subscribeOverSse(b.url, `subscription { directory { __typename ... on RoomOpened { roomId } } }`);
  });

  afterAll(async () => {
    directory?.close();
    await Promise.all(nodes.map((node) => node.stop()));
    await wipe();
    redis.disconnect();
    dir.remove();
  });

  it('loses no item when the leader is killed: the next leader sends what was not sent', async () => {
    const first = await openRoom(b, 'before the failover');
    await directory!.until(() => opened().includes(first));
    const leaseOfA = await redis.get(leaderKey);

    process.kill(a.pid, 'SIGKILL');
    expect((await a.stop()).signal).toBe('SIGKILL');
    // Written while A's lease runs out and nobody publishes.
    const during: string[] = [];
    for (let i = 0; i < 5; i++) during.push(await openRoom(b, `during the failover ${i}`));
    await directory!.until(() => during.every((id) => opened().includes(id)), 15_000);
    expect(await redis.get(leaderKey)).not.toBe(leaseOfA);

    const after = await openRoom(b, 'after the failover');
    await directory!.until(() => opened().includes(after));
    await sleep(300);
    expect(opened().filter((id) => [first, ...during, after].includes(id))).toEqual([first, ...during, after]);
  });

  it('drops garbage read from Redis, counts it, and keeps serving', async () => {
    await redis.publish('spillway:feed', 'not json');
    await redis.publish('spillway:feed', '{"topic":"x","item":{}}');
    await redis.xadd(`spillway:${namespace}:feed`, '*', 'm', 'not json');
    await redis.xadd(`spillway:${namespace}:feed`, '*', 'm', '{"topic":"x","item":{}}');
    await redis.xadd(`spillway:${namespace}:feed`, '*', 'm', '{"topic":"x","item":{"kind":"Nope"}}');
    await redis.xadd(`spillway:${namespace}:feed`, '*', 'm', '{"topic":"*directory","item":{"kind":"RoomOpened"}}');

    const next = await openRoom(b, 'after the garbage');
    await directory!.until(() => opened().includes(next));
    const metrics = await (await fetch(b.url.replace(/\/graphql$/, '/metrics'))).text();
    expect(metrics).toContain('spillway_bus_messages_rejected_total{bus="feed",reason="not-json"} 1');
    expect(metrics).toContain('spillway_bus_messages_rejected_total{bus="feed",reason="unknown-kind"} 2');
    expect(metrics).toContain('spillway_bus_messages_rejected_total{bus="feed",reason="bad-field"} 1');
    // Logged once per reason, not once per message.
    expect(b.stderr().match(/dropped a bad message from Redis/g)).toHaveLength(3);
  });
});
