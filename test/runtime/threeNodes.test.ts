import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresEventStore, type EventStore } from '../../src/eventstore/index.ts';
import { signToken } from '../../src/runtime/index.ts';
import { postGraphQL, TEST_SECRET } from '../support/apiServer.ts';
import { familyInLog, joinSurge, listenerTokens, type FamilyInLog } from '../support/joinSurge.ts';
import { freshSchema, POSTGRES_URL } from '../support/postgres.ts';
import { startServeProcess, type ServeProcess } from '../support/serveProcess.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

/** Joins in the surge; SPILLWAY_TEST_CLUSTER_JOINS scales it down where CI time demands. */
const JOINS = Number(process.env.SPILLWAY_TEST_CLUSTER_JOINS ?? 20_000);

/**
 * Three `spillway serve` processes on one PostgreSQL log (a schema of this
 * test's own), each family owned by one of them at a time. No REDIS_URL: the
 * room feed's Redis channel is not yet namespaced per deployment, and what is
 * tested here (ownership, forwarding, the log, the read models) needs none.
 */
describe('three API nodes on one PostgreSQL log', () => {
  const schema = freshSchema('three');
  const dir = makeTempDir('three-nodes');
  const nodes: ServeProcess[] = [];
  // The scheduler finds the shared Redis even without REDIS_URL: its queue is this test's and removed after.
  const namespace = serverNamespace('three');
  let store: EventStore;
  let admin: pg.Client;
  let moderator: string;
  /** The nodes still running after the kill test. */
  let survivors: ServeProcess[] = [];

  const start = (name: string) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SPILLWAY_EVENTS_URL: schema.url,
      SPILLWAY_JWT_SECRET: TEST_SECRET,
      SPILLWAY_MEDIA: 'off',
      ...namespace.env,
      SPILLWAY_LEASE_MS: '3000',
      SPILLWAY_QUEUE_CAPACITY: '30',
    };
    for (const unset of ['REDIS_URL', 'SPILLWAY_DATA', 'SPILLWAY_EVENTS', 'EVENTSTORE_URL']) delete env[unset];
    return startServeProcess(['--port', '0', '--data', join(dir.path, name)], env);
  };
  const nodeIdOf = (node: ServeProcess): string => /cluster:\s+node (\S+)/.exec(node.stdout().join('\n'))![1]!;
  const ownerOf = async (roomId: string): Promise<{ owner: string; epoch: string } | undefined> =>
    (await admin.query(`SELECT owner, epoch FROM "${schema.name}".leases WHERE key = $1`, [roomId])).rows[0] as
      { owner: string; epoch: string } | undefined;

  const openRoom = async (node: ServeProcess, title: string, size = 'capacity: 5000'): Promise<string> => {
    const reply = await postGraphQL<{ openRoom: { id: string } }>(
      node.url,
      `mutation { openRoom(input: { title: "${title}", ${size} }) { id } }`,
      { token: moderator },
    );
    if (reply.errors) throw new Error(JSON.stringify(reply.errors));
    return reply.data!.openRoom.id;
  };

  /** The family as one node's read models show it, once they have caught up to `listeners`. */
  const familyOn = async (node: ServeProcess, roomId: string, listeners: number) => {
    const query = `{ room(id: "${roomId}") { listenerCount familyListenerCount overflowRooms { id listenerCount } } }`;
    type View = {
      listenerCount: number;
      familyListenerCount: number;
      overflowRooms: Array<{ id: string; listenerCount: number }>;
    };
    let room: View | undefined;
    for (let attempt = 0; attempt < 300; attempt += 1) {
      room = (await postGraphQL<{ room: View }>(node.url, query, { token: moderator })).data?.room;
      if (room?.familyListenerCount === listeners) break;
      await sleep(100);
    }
    return room;
  };

  /** What the log says the family is: the read models of every node must show the same. */
  const expectedView = (roomId: string, family: FamilyInLog) => ({
    listenerCount: family.listeners.get(roomId) ?? 0,
    familyListenerCount: family.placement.size,
    overflowRooms: [...family.capacity.keys()]
      .filter((id) => id !== roomId)
      .map((id) => ({ id, listenerCount: family.listeners.get(id) ?? 0 })),
  });

  const expectCapsHeld = (family: FamilyInLog) => {
    expect(family.placedTwice).toEqual([]);
    for (const [room, count] of family.listeners) expect(count).toBeLessThanOrEqual(family.capacity.get(room)!);
  };

  beforeAll(async () => {
    nodes.push(...(await Promise.all(['a', 'b', 'c'].map(start))));
    store = openPostgresEventStore(schema.url);
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    moderator = await signToken(TEST_SECRET, 'moderator', ['listener']);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await namespace.remove();
    await store?.close();
    await admin?.end();
    await schema.drop();
    dir.remove();
  });

  it(`${JOINS} joins for one family spread over all three: no one over the cap, no CONFLICT, each listener in one room, every node's read models equal to the log`, async () => {
    const roomId = await openRoom(nodes[0]!, 'surge');
    const users = await listenerTokens('surge', JOINS);
    const replies = await joinSurge({ urls: () => nodes.map((n) => n.url), roomId, users, concurrency: 96 });

    const errors = replies.filter((r) => r.error);
    expect(errors.slice(0, 5)).toEqual([]);
    expect(new Set(replies.map((r) => r.node))).toEqual(new Set([0, 1, 2]));
    const family = await familyInLog(store, roomId);
    expectCapsHeld(family);
    expect(family.placement.size).toBe(JOINS);
    for (const reply of replies) expect(reply.roomId).toBe(family.placement.get(reply.user));
    // One node decided the whole family: the lease never changed hands.
    expect((await ownerOf(roomId))?.epoch).toBe('1');

    const expected = expectedView(roomId, family);
    for (const node of nodes) expect(await familyOn(node, roomId, JOINS)).toEqual(expected);
  }, 600_000);

  /**
   * 60 joins spread over `over` for a family of 20 seats (10 and one overflow room) and a queue of 30:
   * 20 placed, 30 queued at positions 1..30 in the log's order, 10 refused ROOM_FULL. Then 5 placed
   * listeners leave (through every node): the first 5 in the queue get their seats, in order, and a
   * listener asking again is told their new place.
   */
  const queueAcross = async (over: readonly ServeProcess[], label: string) => {
    const roomId = await openRoom(over[0]!, label, 'capacity: 10, maxOverflowRooms: 1');
    const users = await listenerTokens(label, 60);
    const replies = await joinSurge({ urls: () => over.map((n) => n.url), roomId, users, concurrency: 30 });
    const family = await familyInLog(store, roomId);
    expectCapsHeld(family);
    expect(family.queuedAndPlaced).toEqual([]);
    expect(replies.filter((r) => r.roomId !== undefined)).toHaveLength(20);
    const queued = replies.filter((r) => r.queuedAt !== undefined);
    expect(queued.map((r) => r.queuedAt).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // The position each listener was told is their place in the log's queue.
    for (const reply of queued) expect(family.queue[reply.queuedAt! - 1]).toBe(reply.user);
    expect(replies.filter((r) => r.error).map((r) => r.error)).toEqual(Array.from({ length: 10 }, () => 'ROOM_FULL'));
    for (const reply of replies) if (reply.roomId) expect(family.placement.get(reply.user)).toBe(reply.roomId);

    const leavers = replies.filter((r) => r.roomId !== undefined).slice(0, 5);
    const tokens = new Map(users);
    await Promise.all(
      leavers.map((leaver, i) =>
        postGraphQL(over[i % over.length]!.url, `mutation { leaveRoom(roomId: "${roomId}") { id } }`, {
          token: tokens.get(leaver.user)!,
        }),
      ),
    );
    const after = await familyInLog(store, roomId);
    expectCapsHeld(after);
    expect(after.queuedAndPlaced).toEqual([]);
    expect(after.admittedFromQueue).toEqual(family.queue.slice(0, 5));
    expect(after.queue).toEqual(family.queue.slice(5));
    expect(after.placement.size).toBe(20);
    const sixth = family.queue[5]!;
    const again = await postGraphQL<{ joinRoom: { position: number } }>(
      over.at(-1)!.url,
      `mutation { joinRoom(roomId: "${roomId}") { ... on Queued { position } } }`,
      { token: tokens.get(sixth)! },
    );
    expect(again.data?.joinRoom).toEqual({ position: 1 });
  };

  it('three nodes keep one family’s waiting room exact: positions 1..n in log order, ROOM_FULL past its limit, seats freed go to the first in line', async () => {
    await queueAcross(nodes, 'queue3');
  }, 120_000);

  it('the owner killed with SIGKILL mid-surge: every acknowledged join is in the log, the family is taken over within 5 s, no wrong answers', async () => {
    const roomId = await openRoom(nodes[1]!, 'kill');
    const owner = await ownerOf(roomId);
    const victim = nodes.find((n) => nodeIdOf(n) === owner!.owner)!;
    expect(victim).toBeDefined();
    const users = await listenerTokens('kill', Math.min(JOINS, 4000));
    let killedAt = Number.POSITIVE_INFINITY;
    let alive = [...nodes];
    const replies = await joinSurge({
      urls: () => alive.map((n) => n.url),
      roomId,
      users,
      concurrency: 48,
      onReply: (_reply, done) => {
        if (done !== Math.floor(users.length / 3)) return;
        killedAt = performance.now();
        process.kill(victim.pid, 'SIGKILL');
        alive = nodes.filter((n) => n !== victim);
      },
    });

    const family = await familyInLog(store, roomId);
    expectCapsHeld(family);
    const acked = replies.filter((r) => !r.error);
    for (const reply of acked) expect(family.placement.get(reply.user)).toBe(reply.roomId);
    // Errors only where a client's own node died under it; the survivors answered everyone else.
    const failed = replies.filter((r) => r.error);
    for (const reply of failed) expect(reply.error).toBe('NETWORK');
    expect(failed.every((r) => r.startedAt <= killedAt + 50)).toBe(true);

    const firstAfter = Math.min(...acked.filter((r) => r.startedAt > killedAt).map((r) => r.endedAt));
    expect(firstAfter - killedAt).toBeLessThan(5000);
    const now = await ownerOf(roomId);
    expect(now!.owner).not.toBe(owner!.owner);
    expect(Number(now!.epoch)).toBeGreaterThan(Number(owner!.epoch));

    const expected = expectedView(roomId, family);
    for (const node of alive) expect(await familyOn(node, roomId, family.placement.size)).toEqual(expected);
    survivors = alive;
  }, 600_000);

  it('the two nodes left keep a waiting room just as exact', async () => {
    expect(survivors).toHaveLength(2);
    await queueAcross(survivors, 'queue2');
  }, 120_000);
});
