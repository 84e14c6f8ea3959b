import { getIntrospectionQuery } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/apiServer.ts';
import { subscribeOverWs, wsClient } from '../support/feedClients.ts';

const deep = (levels: number) => `{ ${'rooms { nodes { '.repeat(levels / 2)}id${' } }'.repeat(levels / 2)} }`;
const openRoom = (alias: string, title: string) => `${alias}: openRoom(input: { title: "${title}" }) { id title }`;

/** Limits that cannot be walked around, and requests that write only what they report (issue #13). */
describe('request limits and honest mutations', () => {
  let api: TestApi;
  let alice: string;
  const internalErrors: unknown[] = [];

  beforeAll(async () => {
    api = await startApi('gql-limits', { onInternalError: (error) => internalErrors.push(error) });
    alice = await api.token('alice', 'listener');
  });
  afterAll(() => api.stop());

  it("GraphiQL's introspection query is answered (introspection is on by default)", async () => {
    const reply = await api.request(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    expect(reply.errors).toBeUndefined();
    expect(JSON.stringify(reply.data)).toContain('"RoomConnection"');
  });

  it('a deep document is a parse error over HTTP (never INTERNAL), and writes nothing', async () => {
    const head = await api.head();
    const reply = await api.request(deep(2000), { headers: { accept: 'application/graphql-response+json' } });
    expect(reply.status).toBe(400);
    expect((await api.request(deep(2000))).status, 'application/json: 200, as the spec asks').toBe(200);
    expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(reply.errors?.[0]?.message).toMatch(/Document contains more tha[nt] 2000 tokens/);
    expect(internalErrors).toEqual([]);
    expect(await api.head()).toBe(head);
  });

  describe('over graphql-ws, a refused operation errors alone and the socket stays open', () => {
    let client: Client;
    beforeAll(() => {
      client = wsClient(api.url, `Bearer ${alice}`);
    });
    afterAll(() => client.dispose());

    it.each([
      ['a 2,000-level document', deep(2000), /Document contains more tha[nt] 2000 tokens/],
      [
        '1,281 aliases of __schema',
        `{ ${Array.from({ length: 1281 }, (_, i) => `s${i}: __schema { queryType { name } }`).join(' ')} }`,
        /tokens|aliases/,
      ],
      ['a document 12 levels deep', deep(12), /nested 13 levels deep; the limit is 10/],
    ])('%s', async (_name, query, message) => {
      const directory = subscribeOverWs(client, 'subscription { directory { __typename } }');
      const refused = subscribeOverWs(client, query);
      const outcome = await refused.ended;
      expect(JSON.stringify(outcome.error)).toMatch(message);
      expect(JSON.stringify(outcome.error), 'no HTTP internals over the socket').not.toContain('"http"');
      // The other subscription on the same socket still receives: a room opening reaches the directory.
      await api.data(`mutation { ${openRoom('a', 'Still open')} }`, { token: alice });
      await directory.until((results) => results.length > 0);
      directory.close();
      expect(internalErrors).toEqual([]);
    });
  });

  it('a mutation answers each field: the refused one null with its own error, the others what they wrote', async () => {
    const head = await api.head();
    const reply = await api.request<Record<string, { id: string; title: string } | null>>(
      `mutation { ${openRoom('a', 'One')} ${openRoom('b', 'Two')} ${openRoom('c', 'Three')} ${openRoom('bad', '')} }`,
      { token: alice },
    );
    expect(reply.status).toBe(200);
    expect(reply.data?.bad).toBeNull();
    expect([reply.data?.a?.title, reply.data?.b?.title, reply.data?.c?.title]).toEqual(['One', 'Two', 'Three']);
    expect(reply.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['bad'], 'INVALID_INPUT']]);
    // What it reports is what it wrote: three RoomOpened, one for each room it names.
    const written = await api.server.engine.store.readAll({ fromPosition: head + 1n });
    const opened = written.filter((e) => e.type === 'RoomOpened').map((e) => e.streamId);
    expect(opened.sort()).toEqual(
      [reply.data?.a?.id, reply.data?.b?.id, reply.data?.c?.id].map((id) => `room-${id}`).sort(),
    );
  });

  it("takes a client's X-Request-Id as the events' correlationId only when it is a short token", async () => {
    const correlationOf = async (requestId: string) => {
      const head = await api.head();
      await api.data(`mutation { ${openRoom('a', 'Traced')} }`, {
        token: alice,
        headers: { 'x-request-id': requestId },
      });
      const [event] = await api.server.engine.store.readAll({ fromPosition: head + 1n, maxCount: 1 });
      return event?.metadata.correlationId;
    };
    expect(await correlationOf('trace-42.a')).toBe('trace-42.a');
    expect(await correlationOf(`${'x'.repeat(5000)}<script>`)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('300 aliased openRoom, or 11, are refused whole, before any runs', async () => {
    const head = await api.head();
    const fields = (n: number) => Array.from({ length: n }, (_, i) => openRoom(`r${i}`, `Room ${i}`)).join(' ');
    const many = await api.request(`mutation { ${fields(300)} }`, { token: alice });
    expect(many.data ?? null).toBeNull();
    expect(many.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const eleven = await api.request(`mutation { ${fields(11)} }`, { token: alice });
    expect(eleven.data ?? null).toBeNull();
    expect(eleven.errors?.map((e) => e.message)).toEqual([
      'The mutation has 11 fields; the limit is 10: send the rest in another request. Nothing was written.',
    ]);
    expect(await api.head()).toBe(head);
  });
});

describe('a mutation the rate limiter would cut off part-way', () => {
  let api: TestApi;
  beforeAll(async () => {
    // Burst 4 × 1: four writes at once, then one a second.
    api = await startApi('gql-limits-rate', { mutationsPerSecond: 1 });
  });
  afterAll(() => api.stop());

  it('is refused whole and writes nothing; one that fits the budget runs', async () => {
    const lee = await api.token('lee', 'listener');
    const head = await api.head();
    const five = Array.from({ length: 5 }, (_, i) => openRoom(`r${i}`, `Room ${i}`)).join(' ');
    const refused = await api.request(`mutation { ${five} }`, {
      token: lee,
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(refused.status).toBe(429);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
    expect(await api.head()).toBe(head);
    // The same over graphql-ws: one charge for the whole operation, before any field runs.
    const client = wsClient(api.url, `Bearer ${lee}`);
    try {
      const overWs = subscribeOverWs(client, `mutation { ${five} }`);
      await overWs.ended;
      expect(overWs.results.map((r) => r.errors?.map((e) => e.extensions?.code))).toEqual([['RATE_LIMITED']]);
    } finally {
      await client.dispose();
    }
    expect(await api.head()).toBe(head);
    const four = Array.from({ length: 4 }, (_, i) => openRoom(`r${i}`, `Room ${i}`)).join(' ');
    const ran = await api.request<Record<string, { id: string }>>(`mutation { ${four} }`, { token: lee });
    expect(ran.errors).toBeUndefined();
    expect(Object.keys(ran.data ?? {})).toHaveLength(4);
  });
});

describe('introspection switched off', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi('gql-no-introspection', {}, { SPILLWAY_INTROSPECTION: 'off' });
  });
  afterAll(() => api.stop());

  it('refuses __schema and __type, and still answers queries', async () => {
    const reply = await api.request('{ __schema { queryType { name } } }');
    expect(reply.errors?.[0]?.message).toMatch(/introspection/i);
    expect((await api.request('{ __type(name: "Room") { name } }')).errors?.length).toBe(1);
    expect(await api.data('{ viewer { id } }')).toEqual({ viewer: null });
  });
});
