import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, serve, signToken, type RunningServer } from '../../src/runtime/index.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

const SECRET = 'sessions-test-secret-0123456789';

describe('producers schedule sessions through the API', () => {
  const dir = makeTempDir('api-sessions');
  const namespace = serverNamespace('api-sessions');
  let server: RunningServer;
  const tokens: Record<string, string> = {};

  const call = async (token: string | undefined, query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    expect(response.status).toBeLessThan(500);
    return (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
  };
  const codeOf = (result: Awaited<ReturnType<typeof call>>) => result.errors?.[0]?.extensions?.code;
  const head = () => server.engine.store.headPosition();

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SPILLWAY_JWT_SECRET: SECRET,
      ...namespace.env,
    };
    delete env.REDIS_URL;
    server = await serve(loadConfig({ dataDir: dir.path, port: '0' }, env));
    tokens.producer = await signToken(SECRET, 'prod', ['producer']);
    tokens.listener = await signToken(SECRET, 'lisa', ['listener']);
  });
  afterAll(async () => {
    await server.stop();
    dir.remove();
    await namespace.remove();
  });

  const SCHEDULE = `mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { id roomId status startsAt prewarmAt leadTimeMs expectedAudience } }`;
  const SESSIONS = `{ sessions { id status overflowRoomsWarmed } }`;

  it('a session scheduled a moment ahead prewarms, then opens its room with the headliner announced', async () => {
    const startsAt = new Date(Date.now() + 1500).toISOString();
    const scheduled = await call(tokens.producer, SCHEDULE, {
      input: {
        title: 'Star night',
        startsAt,
        headlinerUserId: 'star',
        expectedAudience: 12_000,
        leadTimeMs: 700,
        capacity: 5000,
      },
    });
    expect(scheduled.errors).toBeUndefined();
    const session = scheduled.data?.scheduleSession as {
      id: string;
      roomId: string;
      status: string;
      prewarmAt: string;
    };
    expect(session.status).toBe('scheduled');
    expect(Date.parse(session.prewarmAt)).toBe(Date.parse(startsAt) - 700);

    const upcoming = await call(tokens.listener, '{ sessions(upcoming: true) { id } }');
    expect((upcoming.data?.sessions as Array<{ id: string }>).map((s) => s.id)).toContain(session.id);

    const deadline = Date.now() + 20_000;
    let status = 'scheduled';
    let warmed: number | null = null;
    while (status !== 'opened' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const found = (
        (await call(tokens.producer, SESSIONS)).data?.sessions as Array<{
          id: string;
          status: string;
          overflowRoomsWarmed: number | null;
        }>
      ).find((s) => s.id === session.id)!;
      status = found.status;
      warmed = found.overflowRoomsWarmed;
    }
    expect(status).toBe('opened');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(startsAt));
    expect(warmed).toBe(2);
    const room = await call(
      tokens.listener,
      `query($id: ID!) { room(id: $id) { state title moderators headliner { userId expectedAudience arrived } } }`,
      { id: session.roomId },
    );
    expect(room.data?.room).toEqual({
      state: 'live',
      title: 'Star night',
      moderators: ['prod'],
      headliner: { userId: 'star', expectedAudience: 12_000, arrived: false },
    });
    expect((await call(tokens.producer, '{ failedJobs { jobId } }')).data?.failedJobs).toEqual([]);
  });

  it('reschedules and cancels; a cancelled session never opens and cannot be moved', async () => {
    const startsAt = new Date(Date.now() + 60 * 60_000).toISOString();
    const created = await call(tokens.producer, SCHEDULE, {
      input: { title: 'Later', startsAt, headlinerUserId: 'star', expectedAudience: 100 },
    });
    const id = (created.data?.scheduleSession as { id: string }).id;
    const later = new Date(Date.now() + 2 * 60 * 60_000).toISOString();
    const moved = await call(
      tokens.producer,
      `mutation($id: ID!, $at: DateTime!) { rescheduleSession(sessionId: $id, startsAt: $at) { status startsAt } }`,
      { id, at: later },
    );
    expect(moved.data?.rescheduleSession).toEqual({ status: 'scheduled', startsAt: later });
    const cancelled = await call(
      tokens.producer,
      `mutation($id: ID!) { cancelSession(sessionId: $id, reason: "ill") { status cancelReason } }`,
      { id },
    );
    expect(cancelled.data?.cancelSession).toEqual({ status: 'cancelled', cancelReason: 'ill' });
    const before = await head();
    const again = await call(
      tokens.producer,
      `mutation($id: ID!, $at: DateTime!) { rescheduleSession(sessionId: $id, startsAt: $at) { status } }`,
      { id, at: later },
    );
    expect(codeOf(again)).toBe('CONFLICT');
    expect(again.errors?.[0]?.message).toMatch(/cancel/i);
    expect(await head()).toBe(before);
  });

  it('refuses non-producers, a start in the past, a negative audience and unknown sessions, writing nothing', async () => {
    const before = await head();
    const input = {
      title: 'x',
      startsAt: new Date(Date.now() + 60_000).toISOString(),
      headlinerUserId: 'star',
      expectedAudience: 10,
    };
    expect(codeOf(await call(tokens.listener, SCHEDULE, { input }))).toBe('FORBIDDEN');
    expect(codeOf(await call(undefined, SCHEDULE, { input }))).toBe('UNAUTHENTICATED');
    const past = await call(tokens.producer, SCHEDULE, { input: { ...input, startsAt: '2020-01-01T00:00:00.000Z' } });
    expect(codeOf(past)).toBe('INVALID_INPUT');
    expect(past.errors?.[0]?.message).toMatch(/startsAt/);
    expect(codeOf(await call(tokens.producer, SCHEDULE, { input: { ...input, expectedAudience: -5 } }))).toBe(
      'INVALID_INPUT',
    );
    expect(codeOf(await call(tokens.producer, `mutation { cancelSession(sessionId: "nope") { status } }`))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await call(tokens.listener, '{ failedJobs { jobId } }'))).toBe('FORBIDDEN');
    expect(await head()).toBe(before);
  });
});
