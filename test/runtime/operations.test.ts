import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/eventstore/index.ts';
import { loadConfig, serve, signToken } from '../../src/runtime/index.ts';
import { spawnTs, watchLines } from '../support/childProcess.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

const SECRET = 'operations-test-secret-0123456789';
const gql = async (url: string, token: string, query: string, variables: Record<string, unknown> = {}) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, { id?: string } | undefined>; errors?: unknown[] };
};

describe('operating the server', () => {
  const dir = makeTempDir('ops');
  const namespace = serverNamespace('ops');
  afterAll(async () => {
    dir.remove();
    await namespace.remove();
  });
  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = {
      ...process.env,
      SPILLWAY_JWT_SECRET: SECRET,
      ...namespace.env,
      SPILLWAY_MEDIA: 'off',
    };
    delete e.REDIS_URL;
    return e;
  };

  it('/metrics shows admissions, their latency and the projection lag, and they move', async () => {
    const server = await serve(loadConfig({ dataDir: join(dir.path, 'metrics'), port: '0' }, env()));
    try {
      const metricsUrl = server.url.replace('/graphql', '/metrics');
      const before = await (await fetch(metricsUrl)).text();
      expect(before).toMatch(/spillway_projection_lag_events \d+/);
      expect(before).toMatch(/spillway_scheduler_pending_sessions 0/);
      const owner = await signToken(SECRET, 'owner', ['producer']);
      const opened = await gql(server.url, owner, 'mutation { openRoom(input: { title: "m", capacity: 3 }) { id } }');
      const roomId = opened.data?.openRoom?.id;
      for (let i = 0; i < 5; i += 1) {
        const token = await signToken(SECRET, `fan${i}`, ['listener']);
        const joined = await gql(
          server.url,
          token,
          'mutation($id: ID!) { joinRoom(roomId: $id) { ... on Placement { role } } }',
          {
            id: roomId,
          },
        );
        expect(joined.errors).toBeUndefined();
      }
      const after = await (await fetch(metricsUrl)).text();
      expect(after).toMatch(/spillway_admissions_total\{placement="main"\} 3/);
      expect(after).toMatch(/spillway_admissions_total\{placement="overflow"\} 2/);
      expect(after).toMatch(/spillway_admission_latency_seconds_count 5/);
      // Every metric carries the one prefix once: no spillway_process_process_… names.
      const names = [...after.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
      expect(names).toContain('spillway_process_cpu_user_seconds_total');
      expect(names).toContain('spillway_nodejs_heap_size_used_bytes');
      const stammered = (name: string) => name.split('_').some((word, i, words) => word === words[i + 1]);
      expect(names.filter((name) => !name.startsWith('spillway_') || stammered(name))).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it('refuses bad configuration with one clear line per bad value and a non-zero exit', async () => {
    const lines: string[] = [];
    const { code } = await watchLines(
      spawnTs('bin/spillway.js', ['serve', '--port', 'seventy', '--data', join(dir.path, 'bad')], {
        SPILLWAY_JWT_SECRET: 'short',
        SPILLWAY_MEDIA: 'maybe',
        REDIS_URL: 'http://x',
      }),
      (line) => lines.push(line),
    ).then(async (result) => {
      lines.push(...result.stderr.trim().split('\n'));
      return result;
    });
    expect(code).toBe(2);
    const errors = lines.filter((l) => l.startsWith('spillway: '));
    expect(errors).toHaveLength(4);
    expect(errors.join('\n')).toMatch(/port "seventy"/);
    expect(errors.join('\n')).toMatch(/SPILLWAY_JWT_SECRET must be at least 16 characters/);
    expect(errors.join('\n')).toMatch(/SPILLWAY_MEDIA "maybe"/);
    expect(errors.join('\n')).toMatch(/REDIS_URL "http:\/\/x"/);
  });

  it('SIGTERM during a surge exits 0 and loses no acknowledged join', async () => {
    const data = join(dir.path, 'sigterm');
    const child = spawnTs('bin/spillway.js', ['serve', '--port', '0', '--data', data], env());
    let url: string | undefined;
    const ready = new Promise<string>((resolve) => {
      void watchLines(child, (line) => {
        const match = /API:\s+(\S+)/.exec(line);
        if (match?.[1]) resolve((url = match[1]));
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await ready;
    const owner = await signToken(SECRET, 'owner', ['producer']);
    const roomId = (await gql(url!, owner, 'mutation { openRoom(input: { title: "s", capacity: 50 }) { id } }')).data
      ?.openRoom?.id;
    const acknowledged: string[] = [];
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i += 1) {
        const user = `c${n}-${i}`;
        try {
          const result = await gql(
            url!,
            await signToken(SECRET, user, ['listener']),
            'mutation($id: ID!) { joinRoom(roomId: $id) { ... on Placement { role } } }',
            { id: roomId },
          );
          if (result.data?.joinRoom) acknowledged.push(user);
        } catch {
          return; // the server went away: nothing more is acknowledged
        }
      }
    };
    const clients = Array.from({ length: 16 }, (_, n) => client(n));
    await new Promise((resolve) => setTimeout(resolve, 700));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    stop = true;
    await Promise.all(clients);
    expect(acknowledged.length).toBeGreaterThan(20);

    const store = createSqliteEventStore(join(data, 'spillway.db'));
    try {
      const placed = new Set(
        (await store.readStream(`room-${roomId}`))
          .filter((e) => e.type === 'ListenerAdmitted' || e.type === 'ListenerRedirectedToOverflow')
          .map((e) => (e.data as { userId: string }).userId),
      );
      for (const user of acknowledged) expect(placed.has(user), user).toBe(true);
    } finally {
      await store.close();
    }
  });
});
