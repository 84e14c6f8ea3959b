import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresEventStore, type EventStore } from '../../src/eventstore/index.ts';
import { signToken } from '../../src/runtime/index.ts';
import { createHosts, type Host, type Hosts } from '../media/cluster/hosts.ts';
import { postGraphQL, TEST_SECRET } from '../support/apiServer.ts';
import { familyInLog, joinSurge, listenerTokens, type JoinReply } from '../support/joinSurge.ts';
import { createPrivatePostgres, privatePostgresUnavailable, type PrivatePostgres } from '../support/privatePostgres.ts';
import { startServeProcess, type NodeLauncher, type ServeProcess } from '../support/serveProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Why these hosts cannot be made here (the test needs real network namespaces and a PostgreSQL of its own). */
const unavailable =
  process.getuid?.() !== 0 ? 'not root: network namespaces need CAP_NET_ADMIN' : privatePostgresUnavailable();
if (unavailable) process.stdout.write(`API nodes on separate hosts: skipped, ${unavailable}\n`);

/** Runs `node argv…` inside the host's namespace with exactly this environment. */
const onHost =
  (host: Host): NodeLauncher =>
  (argv, env) =>
    spawn('ip', ['netns', 'exec', host.netns!, process.execPath, ...argv], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

/**
 * API nodes on hosts of their own (network namespaces joined by a bridge),
 * with the log in a PostgreSQL of the test's own on the control host: the
 * only way one node reaches another is the address in its lease, over the
 * network. Node a listens on its host's address; node b listens on every
 * address (HOST=0.0.0.0) and says where others reach it with
 * SPILLWAY_INTERNAL_URL.
 */
describe.skipIf(unavailable !== undefined)('API nodes on separate hosts, one PostgreSQL log', () => {
  const dir = makeTempDir('nodes-on-hosts');
  let hosts: Hosts;
  let postgres: PrivatePostgres;
  let url: string;
  let store: EventStore;
  let admin: pg.Client;
  let moderator: string;
  const nodes: ServeProcess[] = [];
  const apis = new Map<ServeProcess, string>();

  const envFor = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SPILLWAY_EVENTS_URL: url,
      SPILLWAY_JWT_SECRET: TEST_SECRET,
      SPILLWAY_MEDIA: 'off',
      SPILLWAY_LEASE_MS: '3000',
      ...extra,
    };
    for (const unset of ['REDIS_URL', 'SPILLWAY_DATA', 'SPILLWAY_EVENTS', 'EVENTSTORE_URL', 'NODE_OPTIONS']) {
      delete env[unset];
    }
    return env;
  };
  const start = async (host: Host, listen: string, extra: Record<string, string> = {}) => {
    const node = await startServeProcess(
      ['--port', '4000', '--host', listen, '--data', join(dir.path, `${host.name}-${nodes.length}`)],
      envFor(extra),
      onHost(host),
    );
    nodes.push(node);
    // The API line names the address it listens on; from the control host it is the host's own.
    apis.set(node, node.url.replace('0.0.0.0', host.ip));
    return node;
  };
  const api = (node: ServeProcess): string => apis.get(node)!;
  const leaseOf = async (roomId: string) =>
    (await admin.query(`SELECT owner, address, epoch FROM "spillway".leases WHERE key = $1`, [roomId])).rows[0] as
      { owner: string; address: string; epoch: string } | undefined;
  const nodeIdOf = (node: ServeProcess): string => /cluster:\s+node (\S+)/.exec(node.stdout().join('\n'))![1]!;
  const openRoom = async (node: ServeProcess, title: string): Promise<string> => {
    const reply = await postGraphQL<{ openRoom: { id: string } }>(
      api(node),
      `mutation { openRoom(input: { title: "${title}", capacity: 50, maxOverflowRooms: 20 }) { id } }`,
      { token: moderator },
    );
    if (reply.errors) throw new Error(JSON.stringify(reply.errors));
    return reply.data!.openRoom.id;
  };
  /** The family in the log: no one placed twice or over a cap, and every join a client was told succeeded is there, where it was told. */
  const expectAgreesWithLog = async (roomId: string, replies: readonly JoinReply[]) => {
    const family = await familyInLog(store, roomId);
    expect(family.placedTwice).toEqual([]);
    for (const [room, count] of family.listeners) expect(count).toBeLessThanOrEqual(family.capacity.get(room)!);
    for (const reply of replies.filter((r) => !r.error)) expect(reply.roomId).toBe(family.placement.get(reply.user));
    return family;
  };
  const expectWholeFamily = async (roomId: string, replies: readonly JoinReply[]) => {
    expect(replies.filter((r) => r.error).slice(0, 5)).toEqual([]);
    return expectAgreesWithLog(roomId, replies);
  };

  /**
   * Joins through `node`, one probe listener at a time, until one is placed: a node back on the network
   * says STORE_UNAVAILABLE (and nothing else) until its connections to the log come back.
   */
  const untilJoinsAgain = async (node: ServeProcess, roomId: string, label: string): Promise<JoinReply[]> => {
    const probes: JoinReply[] = [];
    for (let attempt = 0; attempt < 60; attempt += 1) {
      const [probe] = await joinSurge({
        urls: () => [api(node)],
        roomId,
        users: await listenerTokens(`${label}-${attempt}`, 1),
        concurrency: 1,
      });
      probes.push(probe!);
      if (!probe!.error) return probes;
      expect(probe!.error).toBe('STORE_UNAVAILABLE');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`no join through ${api(node)} was placed in 60 attempts: ${JSON.stringify(probes.at(-1))}`);
  };

  beforeAll(async () => {
    hosts = createHosts(['a', 'b', 'c']);
    // Clients from the test's hosts only, on the control host's address on their bridge.
    postgres = await createPrivatePostgres({
      listen: hosts.serviceIp,
      trust: hosts.controlIp.replace(/\.1$/, '.0/24'),
    });
    url = `${postgres.url}?schema=spillway`;
    store = openPostgresEventStore(url);
    admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    moderator = await signToken(TEST_SECRET, 'moderator', ['producer']);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await store?.close();
    await admin?.end();
    await postgres?.destroy();
    hosts?.destroy();
    dir.remove();
  }, 60_000);

  it('each node forwards to the other over the network, at the address in its lease', async () => {
    const [a, b] = [hosts.hosts[0]!, hosts.hosts[1]!];
    const nodeA = await start(a, a.ip);
    const nodeB = await start(b, '0.0.0.0', {
      SPILLWAY_INTERNAL_PORT: '4100',
      SPILLWAY_INTERNAL_URL: `http://${b.ip}:4100`,
    });
    expect(nodeB.stderr()).not.toMatch(/WARNING: HOST/);

    // A family opened through a is a's; joins through both nodes are decided there.
    const first = await openRoom(nodeA, 'on a');
    const throughBoth = async (roomId: string, label: string) =>
      joinSurge({
        urls: () => [api(nodeA), api(nodeB)],
        roomId,
        users: await listenerTokens(label, 300),
        concurrency: 24,
      });
    const firstReplies = await throughBoth(first, 'hosts-a');
    expect(new Set(firstReplies.map((r) => r.node))).toEqual(new Set([0, 1]));
    expect((await expectWholeFamily(first, firstReplies)).placement.size).toBe(300);
    const leaseA = await leaseOf(first);
    expect(leaseA).toMatchObject({ owner: nodeIdOf(nodeA), epoch: '1' });
    expect(leaseA!.address).toMatch(new RegExp(`^http://${a.ip.replaceAll('.', '\\.')}:\\d+$`));

    // A family opened through b is b's, reached through the address b gave, not the one it listens on.
    const second = await openRoom(nodeB, 'on b');
    const secondReplies = await throughBoth(second, 'hosts-b');
    expect((await expectWholeFamily(second, secondReplies)).placement.size).toBe(300);
    expect(await leaseOf(second)).toMatchObject({ owner: nodeIdOf(nodeB), address: `http://${b.ip}:4100`, epoch: '1' });
  }, 180_000);

  it('the owner cut off from the network mid-surge: the other node takes its family over within seconds, no one is told a wrong answer, nothing acknowledged is lost', async () => {
    const a = hosts.hosts[0]!;
    const [nodeA, nodeB] = [nodes[0]!, nodes[1]!];
    const roomId = await openRoom(nodeA, 'cut');
    expect((await leaseOf(roomId))?.owner).toBe(nodeIdOf(nodeA));
    let cutAt = 0;
    const surge = joinSurge({
      urls: () => [api(nodeA), api(nodeB)],
      roomId,
      users: await listenerTokens('cut-surge', 600),
      concurrency: 24,
      onReply: (_, done) => {
        if (done === 150) {
          a.cut([]);
          cutAt = performance.now();
        }
      },
    });
    while (cutAt === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    // While a is away: joins through b only, one at a time, each timed from the cut.
    const during = await joinSurge({
      urls: () => [api(nodeB)],
      roomId,
      users: await listenerTokens('cut-during', 20),
      concurrency: 1,
    });
    const firstTakenAfterMs = Math.min(...during.filter((r) => !r.error).map((r) => r.endedAt - cutAt));
    a.restore([]);
    const surgeReplies = await surge;
    // Back on the network, a takes joins again: it forwards them to the family's new owner.
    const recovering = await untilJoinsAgain(nodeA, roomId, 'cut-probe');
    const after = await joinSurge({
      urls: () => [api(nodeA)],
      roomId,
      users: await listenerTokens('cut-after', 20),
      concurrency: 4,
    });
    const errors = new Map<string, number>();
    for (const r of surgeReplies.filter((r) => r.error)) {
      const key = `${r.node === 0 ? 'a' : 'b'} ${r.error}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
    process.stdout.write(
      `owner's host cut: b decided its first join ${Math.round(firstTakenAfterMs)} ms after the cut; ` +
        `surge errors: ${[...errors].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}\n`,
    );

    expect(during.filter((r) => r.error)).toEqual([]);
    expect(after.filter((r) => r.error)).toEqual([]);
    expect(firstTakenAfterMs).toBeLessThan(8000);
    expect(await leaseOf(roomId)).toMatchObject({ owner: nodeIdOf(nodeB), epoch: '2' });
    // Every answer a client got agrees with the log: each success is there, in the room it was told.
    await expectAgreesWithLog(roomId, [...surgeReplies, ...during, ...recovering, ...after]);
    // Clients of b never saw an error (the clients of a may have: their requests crossed the cut link).
    expect(surgeReplies.filter((r) => r.error && r.node === 1)).toEqual([]);
  }, 180_000);

  it('the owner cut off from the log only, its clients still reaching it: they get clear errors, the other node takes over, no one is told a wrong answer', async () => {
    const a = hosts.hosts[0]!;
    const [nodeA, nodeB] = [nodes[0]!, nodes[1]!];
    const roomId = await openRoom(nodeA, 'log cut');
    const before = await joinSurge({
      urls: () => [api(nodeA)],
      roomId,
      users: await listenerTokens('logcut-before', 10),
      concurrency: 2,
    });
    expect(before.filter((r) => r.error)).toEqual([]);
    a.isolateFrom(hosts.serviceIp);
    const cutAt = performance.now();
    const throughA = await joinSurge({
      urls: () => [api(nodeA)],
      roomId,
      users: await listenerTokens('logcut-a', 6),
      concurrency: 2,
    });
    const throughB = await joinSurge({
      urls: () => [api(nodeB)],
      roomId,
      users: await listenerTokens('logcut-b', 10),
      concurrency: 1,
    });
    a.rejoin(hosts.serviceIp);
    // Its connections to the log come back as TCP retransmits again: until then it still says the store is away.
    const rejoinedAt = performance.now();
    const recovering = await untilJoinsAgain(nodeA, roomId, 'logcut-probe');
    const recoveredAfterMs = recovering.at(-1)!.endedAt - rejoinedAt;
    const after = await joinSurge({
      urls: () => [api(nodeA)],
      roomId,
      users: await listenerTokens('logcut-after', 10),
      concurrency: 2,
    });
    process.stdout.write(
      `owner cut off from the log: through a ${throughA.map((r) => `${r.error ?? 'ok'} ${Math.round(r.endedAt - r.startedAt)} ms`).join(', ')}; ` +
        `through b ${throughB.map((r) => `${r.error ?? 'ok'} ${Math.round(r.endedAt - cutAt)} ms`).join(', ')}; ` +
        `a took joins again ${Math.round(recoveredAfterMs)} ms after it rejoined\n`,
    );
    // a cannot write: its clients are told so (the store is away, or the request ran out of time and may
    // have taken effect), never left waiting and never told they joined.
    for (const reply of throughA) expect(['STORE_UNAVAILABLE', 'TIMEOUT']).toContain(reply.error);
    expect(throughB.filter((r) => r.error)).toEqual([]);
    expect(after.filter((r) => r.error)).toEqual([]);
    expect(await leaseOf(roomId)).toMatchObject({ owner: nodeIdOf(nodeB), epoch: '2' });
    await expectAgreesWithLog(roomId, [...before, ...throughA, ...throughB, ...recovering, ...after]);
  }, 180_000);

  it('a node listening on every address without SPILLWAY_INTERNAL_URL says so, and gives its loopback address', async () => {
    const c = hosts.hosts[2]!;
    const nodeC = await start(c, '0.0.0.0');
    expect(nodeC.stderr()).toMatch(
      /WARNING: HOST 0\.0\.0\.0 is no address another host can dial: this node takes forwarded commands at http:\/\/127\.0\.0\.1:\d+, which only nodes on this host reach\. Set SPILLWAY_INTERNAL_URL/,
    );
    expect(nodeC.stdout().join('\n')).toMatch(
      /cluster:\s+node \S+ takes forwarded commands at http:\/\/127\.0\.0\.1:\d+/,
    );
  }, 60_000);
});
