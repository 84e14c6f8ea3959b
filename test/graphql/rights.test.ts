import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, TEST_SECRET, type TestApi } from '../support/apiServer.ts';

const open = (capacity: number, maxOverflowRooms?: number) =>
  `mutation { openRoom(input: { title: "Big", capacity: ${capacity}${maxOverflowRooms === undefined ? '' : `, maxOverflowRooms: ${maxOverflowRooms}`} }) { id capacity } }`;

/** Who may open what, which tokens count, and which browsers may call (issue #13). */
describe('rights, tokens and origins', () => {
  let api: TestApi;
  let lee: string;
  let pat: string;

  beforeAll(async () => {
    api = await startApi('gql-rights', {}, { SPILLWAY_CORS_ORIGINS: 'https://app.example.com' });
    lee = await api.token('lee', 'listener');
    pat = await api.token('pat', 'producer');
  });
  afterAll(() => api.stop());

  it.each([
    ['capacity 1,000,000 with 10,000 overflow rooms', open(1_000_000, 10_000)],
    ['capacity 5,001', open(5001)],
    ['11 overflow rooms', open(100, 11)],
  ])('a listener may not open a room past the instance limits: %s', async (_name, document) => {
    const head = await api.head();
    const reply = await api.request(document, { token: lee });
    expect(reply.data).toEqual({ openRoom: null });
    expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(reply.errors?.[0]?.message).toMatch(/needs the role producer past 5000 seats or 10 overflow rooms/);
    expect(await api.head()).toBe(head);
  });

  it('a listener may open a room within the limits; a producer past them', async () => {
    expect(await api.data(open(5000, 10), { token: lee })).toMatchObject({ openRoom: { capacity: 5000 } });
    expect(await api.data(open(1_000_000, 10_000), { token: pat })).toMatchObject({
      openRoom: { capacity: 1_000_000 },
    });
  });

  it('refuses a token without exp, however well signed', async () => {
    const forever = await new SignJWT({ roles: ['producer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('eve')
      .setIssuedAt()
      .sign(new TextEncoder().encode(TEST_SECRET));
    const reply = await api.request('{ viewer { id } }', { token: forever });
    expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(reply.errors?.[0]?.message).toMatch(/missing required "exp" claim/);
  });

  it('refuses a token whose signature was altered or extended', async () => {
    for (const altered of [`${lee}.`, lee.replace(/\.([^.]+)$/, '.$1!'), `${lee.slice(0, -2)}AA`]) {
      const reply = await api.request('{ viewer { id } }', { token: altered });
      expect(
        reply.errors?.map((e) => e.extensions?.code),
        altered,
      ).toEqual(['UNAUTHENTICATED']);
    }
    expect(await api.data('{ viewer { id } }', { token: lee })).toEqual({ viewer: { id: 'lee' } });
  });

  const corsHeaders = async (origin: string, method: 'POST' | 'OPTIONS') => {
    const response = await fetch(api.url, {
      method,
      headers: {
        origin,
        'content-type': 'application/json',
        ...(method === 'OPTIONS'
          ? { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' }
          : { authorization: `Bearer ${lee}` }),
      },
      ...(method === 'POST' ? { body: JSON.stringify({ query: '{ viewer { id } }' }) } : {}),
    });
    await response.arrayBuffer();
    return {
      origin: response.headers.get('access-control-allow-origin'),
      credentials: response.headers.get('access-control-allow-credentials'),
    };
  };

  it.each(['POST', 'OPTIONS'] as const)(
    'CORS (%s): only an allowed origin gets headers and credentials',
    async (method) => {
      expect(await corsHeaders('https://evil.example.net', method)).toEqual({ origin: null, credentials: null });
      expect(await corsHeaders('https://app.example.com', method)).toEqual({
        origin: 'https://app.example.com',
        credentials: 'true',
      });
    },
  );
});

describe('room limits are configurable', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi('gql-room-limits', {}, { SPILLWAY_ROOM_LIMITS: '100,2' });
  });
  afterAll(() => api.stop());

  it('SPILLWAY_ROOM_LIMITS=100,2: a listener opens 100 seats and 2 overflow rooms, not more', async () => {
    const lee = await api.token('lee', 'listener');
    expect(await api.data(open(100, 2), { token: lee })).toMatchObject({ openRoom: { capacity: 100 } });
    expect((await api.request(open(101), { token: lee })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await api.request(open(100, 3), { token: lee })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
