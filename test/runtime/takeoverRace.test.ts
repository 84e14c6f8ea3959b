import { createHmac, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyConflictError, createRoomCommands, type RoomCommands } from '../../src/commands/index.ts';
import type { RoomCommand } from '../../src/domain/index.ts';
import { createInMemorySnapshotStore, openPostgresEventStore } from '../../src/eventstore/index.ts';
import { startCluster, type Cluster } from '../../src/runtime/cluster.ts';
import { createHttpForwarder } from '../../src/runtime/internalChannel.ts';
import { loadConfig } from '../../src/runtime/index.ts';
import { freshSchema, POSTGRES_URL } from '../support/postgres.ts';

/**
 * Three nodes in this process, each with its own PostgreSQL pool, command
 * path, leases and internal channel (real HTTP between them), on one log.
 */
describe('two nodes racing to take over a family', () => {
  const schema = freshSchema('race');
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await schema.drop();
  });

  interface TestNode {
    readonly name: string;
    readonly cluster: Cluster;
    /** Commands this node's own mailbox was asked to decide, and how each went. */
    readonly decided: Array<{ userId: string; outcome: 'ok' | 'fenced' | 'refused' }>;
  }

  const startNode = async (name: string, leaseMs: number): Promise<TestNode> => {
    const config = loadConfig(
      { port: '0' },
      { SPILLWAY_EVENTS_URL: schema.url, SPILLWAY_LEASE_MS: String(leaseMs), SPILLWAY_MEDIA: 'off' },
    );
    const store = openPostgresEventStore(schema.url);
    const commands = createRoomCommands(store, createInMemorySnapshotStore(), { maxRetries: 1 });
    const decided: TestNode['decided'] = [];
    const spied: RoomCommands = {
      ...commands,
      send: async (command: RoomCommand) => {
        const entry = { userId: command.metadata.actor, outcome: 'ok' as TestNode['decided'][number]['outcome'] };
        decided.push(entry);
        try {
          return await commands.send(command);
        } catch (error) {
          entry.outcome = error instanceof ConcurrencyConflictError ? 'fenced' : 'refused';
          throw error;
        }
      },
    };
    const cluster = (await startCluster(config, { store, commands: spied }))!;
    stops.push(async () => {
      await cluster.close();
      await commands.close();
      await store.close();
    });
    return { name, cluster, decided };
  };

  const join = (roomId: string, userId: string): RoomCommand => ({
    type: 'JoinRoom',
    data: { roomId },
    metadata: { actor: userId, at: new Date().toISOString() },
  });

  it('exactly one of them decides, and the former owner’s stale write is refused by the fence', async () => {
    // A renews rarely, so it goes on believing it owns the family after its lease is gone.
    const a = await startNode('a', 30_000);
    const b = await startNode('b', 3000);
    const c = await startNode('c', 3000);
    const roomId = `race-${randomUUID().slice(0, 8)}`;
    await a.cluster.commands.send({
      type: 'OpenRoom',
      data: { roomId, title: 'race', capacity: 100 },
      metadata: { actor: 'mod', at: new Date().toISOString() },
    });
    for (let i = 0; i < 5; i += 1) await a.cluster.commands.send(join(roomId, `early-${i}`));
    expect(a.cluster.ownership.owned()).toEqual([roomId]);

    // A's lease runs out in the database (a long pause, say) while A still holds the family's state.
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    stops.push(() => admin.end());
    await admin.query(`UPDATE "${schema.name}".leases SET expires_at = now() WHERE key = $1`, [roomId]);

    const [fromB, fromC] = await Promise.all([
      b.cluster.commands.send(join(roomId, 'via-b')),
      c.cluster.commands.send(join(roomId, 'via-c')),
    ]);
    const { rows } = await admin.query<{ owner: string; epoch: string }>(
      `SELECT owner, epoch FROM "${schema.name}".leases WHERE key = $1`,
      [roomId],
    );
    const winner = [b, c].find((n) => n.cluster.node.id === rows[0]!.owner)!;
    const loser = winner === b ? c : b;
    expect(rows[0]!.epoch).toBe('2');
    expect(winner.decided.map((d) => d.userId).sort()).toEqual(['via-b', 'via-c']);
    expect(loser.decided).toEqual([]);
    expect(fromB.revision).not.toBe(fromC.revision);

    // A decides on what it held and appends at its old revision: refused, then sent to the new owner.
    const fromA = await a.cluster.commands.send(join(roomId, 'via-a'));
    expect(a.decided.at(-1)).toEqual({ userId: 'via-a', outcome: 'fenced' });
    expect(winner.decided.map((d) => d.userId)).toContain('via-a');
    expect(fromA.events.map((e) => e.type)).toEqual(['ListenerAdmitted']);

    const store = openPostgresEventStore(schema.url);
    stops.push(() => store.close());
    const events = await store.readStream(`room-${roomId}`);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
    const admitted = events
      .filter((e) => e.type === 'ListenerAdmitted')
      .map((e) => (e.data as { userId: string }).userId);
    expect(admitted.sort()).toEqual(['early-0', 'early-1', 'early-2', 'early-3', 'early-4', 'via-a', 'via-b', 'via-c']);
  });

  it('a command sent again after a lost answer is applied once: by the same owner, and by the next one after a takeover', async () => {
    const a = await startNode('a2', 30_000);
    const b = await startNode('b2', 3000);
    const roomId = `dedup-${randomUUID().slice(0, 8)}`;
    await a.cluster.commands.send({
      type: 'OpenRoom',
      data: { roomId, title: 'dedup', capacity: 100 },
      metadata: { actor: 'mod', at: new Date().toISOString() },
    });
    const forwarder = createHttpForwarder(loadConfig({}, { SPILLWAY_EVENTS_URL: schema.url }).cluster.secret);
    const command = {
      ...join(roomId, 'twice'),
      metadata: { ...join(roomId, 'twice').metadata, commandId: randomUUID() },
    };
    const first = await forwarder.forward(a.cluster.node.address, command, false);
    const again = await forwarder.forward(a.cluster.node.address, command, true);
    expect(again).toEqual(first);

    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    stops.push(() => admin.end());
    await admin.query(`UPDATE "${schema.name}".leases SET expires_at = now() WHERE key = $1`, [roomId]);
    // B takes the family over; the command it is sent again was decided by A before: B finds it in the stream.
    const afterTakeover = await forwarder.forward(b.cluster.node.address, command, true);
    expect(b.cluster.ownership.owned()).toEqual([roomId]);
    expect(afterTakeover).toEqual(first);
    expect(b.decided).toEqual([]);

    const store = openPostgresEventStore(schema.url);
    stops.push(() => store.close());
    const twice = (await store.readStream(`room-${roomId}`)).filter(
      (e) => (e.data as { userId?: string }).userId === 'twice',
    );
    expect(twice.map((e) => [e.type, e.metadata.causationId])).toEqual([
      ['ListenerAdmitted', command.metadata.commandId],
    ]);
  });

  it('the internal channel refuses unsigned, wrongly signed and malformed forwards, deciding nothing', async () => {
    const a = await startNode('a3', 3000);
    const roomId = `signed-${randomUUID().slice(0, 8)}`;
    await a.cluster.commands.send({
      type: 'OpenRoom',
      data: { roomId, title: 'signed', capacity: 10 },
      metadata: { actor: 'mod', at: new Date().toISOString() },
    });
    const body = JSON.stringify({ commands: [{ command: join(roomId, 'intruder'), retry: false }] });
    const post = (headers: Record<string, string>, payload = body) =>
      fetch(`${a.cluster.node.address}/internal/commands`, { method: 'POST', headers, body: payload });
    expect((await post({})).status).toBe(401);
    expect(
      (await post({ 'x-spillway-time': String(Date.now()), 'x-spillway-signature': 'ab'.repeat(32) })).status,
    ).toBe(401);
    const wrongSecret = createHttpForwarder('not-the-deployment-secret');
    await expect(wrongSecret.forward(a.cluster.node.address, join(roomId, 'intruder'), false)).rejects.toThrow(
      /did not answer: HTTP 401/,
    );
    // Signed with the deployment's secret but malformed: refused whole, naming what is wrong, before any command of it is decided.
    const secret = loadConfig({}, { SPILLWAY_EVENTS_URL: schema.url }).cluster.secret;
    const signedPost = (payload: string) => {
      const time = String(Date.now());
      const signature = createHmac('sha256', secret).update(`${time}.${payload}`).digest('hex');
      return post({ 'x-spillway-time': time, 'x-spillway-signature': signature }, payload);
    };
    const signed = async (payload: string) => {
      const response = await signedPost(payload);
      return { status: response.status, error: ((await response.json()) as { error?: string }).error };
    };
    const good = { command: join(roomId, 'intruder'), retry: false };
    const malformed: Array<[unknown, RegExp]> = [
      [{ commands: [good, null] }, /commands\[1\]\.command must be an object/],
      [{ commands: [good, { command: {} }] }, /commands\[1\]\.command\.type must be a string/],
      [{ commands: [{ command: { type: 'JoinRoom', data: { roomId: 5 } } }] }, /roomId must be a non-empty string/],
      [{ commands: [{ command: { type: 'JoinRoom' } }] }, /commands\[0\]\.command\.data\.roomId/],
      [{ commands: [{ ...good, command: { ...good.command, metadata: 'x' } }] }, /metadata must be an object/],
      [{ commands: [{ ...good, retry: 'yes' }] }, /commands\[0\]\.retry must be a boolean/],
      [null, /commands must be an array/],
      [{ commands: {} }, /commands must be an array/],
    ];
    for (const [payload, message] of malformed) {
      const answer = await signed(JSON.stringify(payload));
      expect(answer.status, JSON.stringify(payload)).toBe(400);
      expect(answer.error).toMatch(message);
    }
    expect((await signed('{"commands": [')).error).toMatch(/^malformed forward: /);
    expect(a.decided.map((d) => d.userId)).toEqual(['mod']);
    // The channel still decides a well-formed forward afterwards.
    const welcome = await signedPost(
      JSON.stringify({ commands: [{ command: join(roomId, 'welcome'), retry: false }] }),
    );
    expect(welcome.status).toBe(200);
    expect(a.decided.map((d) => d.userId)).toEqual(['mod', 'welcome']);
  });
});
