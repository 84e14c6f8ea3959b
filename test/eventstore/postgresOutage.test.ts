import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPostgresEventStore,
  EventStoreUnavailableError,
  type EventStore,
  type RecordedEvent,
} from '../../src/eventstore/index.ts';
import { joinRoom, openRoom } from '../graphql/rooms.ts';
import { startApi } from '../support/apiServer.ts';
import { createPrivatePostgres, privatePostgresUnavailable, type PrivatePostgres } from '../support/privatePostgres.ts';

const cannot = privatePostgresUnavailable();
if (cannot) console.log(`PostgreSQL outage tests not run: ${cannot}.`);

/** What a promise settles to, or 'pending' if it has not within `ms`. */
const within = (promise: Promise<unknown>, ms: number): Promise<unknown> =>
  Promise.race([
    promise.catch((error: unknown) => error),
    new Promise((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);

describe.skipIf(cannot)('PostgreSQL away and back (a private cluster this test starts and stops)', () => {
  let cluster: PrivatePostgres;
  beforeAll(async () => {
    cluster = await createPrivatePostgres();
  }, 120_000);
  afterAll(() => cluster?.destroy());

  it('fails fast with EventStoreUnavailableError while the server is down, and recovers by itself, subscription included', async () => {
    const store: EventStore = createPostgresEventStore(cluster.url, { connectTimeoutMs: 1000 });
    const stream = `room-${randomUUID()}`;
    try {
      await store.appendToStream(stream, [{ type: 'Before', data: { n: 0 } }]);
      const seen: RecordedEvent[] = [];
      const following = (async () => {
        for await (const e of store.subscribeToAll()) {
          seen.push(e);
          if (seen.length === 3) break;
        }
      })();

      await cluster.stop();
      const append = await within(store.appendToStream(stream, [{ type: 'During', data: {} }]), 10_000);
      expect(append).toBeInstanceOf(EventStoreUnavailableError);
      expect((append as Error).message).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/postgres is not answering/);
      const read = await within(store.readStream(stream), 10_000);
      expect(read).toBeInstanceOf(EventStoreUnavailableError);
      expect((read as Error).message).toMatch(/nothing was written|not answering/);

      await cluster.start();
      // The same store, no restart: the first appends after the return may still meet a dead pooled connection.
      let recovered: unknown;
      for (let attempt = 0; attempt < 100; attempt += 1) {
        recovered = await store.appendToStream(stream, [{ type: 'After', data: { attempt } }]).catch((e: unknown) => e);
        if (!(recovered instanceof Error)) break;
        expect(recovered).toBeInstanceOf(EventStoreUnavailableError);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(recovered).not.toBeInstanceOf(Error);
      await store.appendToStream(stream, [{ type: 'After', data: { attempt: 'last' } }]);
      await following;
      const events = await store.readStream(stream);
      expect(seen.map((e) => e.eventId)).toEqual(events.slice(0, 3).map((e) => e.eventId));
      expect(events.map((e) => e.type)).toEqual(['Before', 'After', 'After']);
    } finally {
      await store.close();
    }
  });

  it('`spillway serve` on a PostgreSQL that is down: one line on stderr and a non-zero exit', async () => {
    await cluster.stop();
    try {
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (resolve) => {
          const child = execFile(
            process.execPath,
            ['bin/spillway.js', 'serve', '--port', '0'],
            {
              cwd: fileURLToPath(new URL('../../', import.meta.url)),
              env: { ...process.env, SPILLWAY_EVENTS_URL: cluster.url, SPILLWAY_MEDIA: 'off' },
            },
            (_error, out, err) => resolve({ code: child.exitCode, stdout: out, stderr: err }),
          );
        },
      );
      expect(code).not.toBe(0);
      expect(stdout).toBe('');
      const lines = stderr
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('WARNING: SPILLWAY_JWT_SECRET') && !line.startsWith('WARNING: anyone'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^spillway: cannot reach the event store \(PostgreSQL at \S*127\.0\.0\.1:\d+\/postgres.*\): .*ECONNREFUSED.*; start it/,
      );
    } finally {
      await cluster.start();
    }
  });

  it('a serving API answers STORE_UNAVAILABLE while PostgreSQL is down, and takes joins again when it is back', async () => {
    const api = await startApi('pg-outage', {}, { SPILLWAY_EVENTS_URL: cluster.url });
    try {
      const moderator = await api.token('mod', 'listener');
      const room = await openRoom(api, moderator, { capacity: 10 });
      expect((await joinRoom(api, await api.token('ann', 'listener'), room.id)).role).toBeDefined();

      await cluster.stop();
      const join = `mutation($roomId: ID!) { joinRoom(roomId: $roomId) { ... on Placement { role } } }`;
      const down = await api.request(join, {
        token: await api.token('bob', 'listener'),
        variables: { roomId: room.id },
      });
      expect(down.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');
      expect(down.errors?.[0]?.message).toMatch(/event log is not answering.*try again/);

      await cluster.start();
      let reply = down;
      for (let attempt = 0; attempt < 100 && reply.errors; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        reply = await api.request(join, { token: await api.token('bob', 'listener'), variables: { roomId: room.id } });
        if (reply.errors) expect(reply.errors[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');
      }
      expect(reply.errors).toBeUndefined();
      const listeners = (await api.server.engine.store.readStream(`room-${room.id}`))
        .filter((e) => e.type === 'ListenerAdmitted')
        .map((e) => (e.data as { userId: string }).userId);
      expect(listeners).toEqual(['ann', 'bob']);
    } finally {
      await api.stop();
    }
  });
});
