import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRUSTED_DOCUMENTS } from '../../src/runtime/index.ts';
import { startApi, type TestApi } from '../support/apiServer.ts';
import { subscribeOverWs, wsClient } from '../support/feedClients.ts';

const post = async (api: TestApi, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: { message: string; extensions?: { code?: string } }[];
    },
  };
};

describe('trusted documents, ad-hoc documents allowed (development)', () => {
  let api: TestApi;
  let lee: string;
  beforeAll(async () => {
    api = await startApi('gql-trusted-also');
    lee = await api.token('lee', 'listener');
  });
  afterAll(() => api.stop());

  it('runs a document by its id, with the same answer as the document sent whole', async () => {
    const auth = { authorization: `Bearer ${lee}` };
    const byId = await post(api, { documentId: 'DashboardViewer' }, auth);
    const whole = await post(api, { query: TRUSTED_DOCUMENTS.DashboardViewer }, auth);
    // With an Origin, the request goes through yoga's pipeline (CORS) rather than the trusted path.
    const viaYoga = await post(api, { documentId: 'DashboardViewer' }, { ...auth, origin: 'http://127.0.0.1' });
    expect(byId).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: { data: { viewer: { id: 'lee', roles: ['listener'] } } },
    });
    expect(whole).toEqual(byId);
    expect(viaYoga.body).toEqual(byId.body);
  });

  it('joins by id, refusing what it would refuse whole: unknown room, bad id, bad token', async () => {
    const { openRoom } = await api.data<{ openRoom: { id: string } }>(
      'mutation { openRoom(input: { title: "Trusted" }) { id } }',
      { token: lee },
    );
    const bob = await api.token('bob', 'listener');
    const joined = await post(
      api,
      { documentId: 'JoinRoom', variables: { roomId: openRoom.id } },
      { authorization: `Bearer ${bob}` },
    );
    expect(joined.body).toEqual({
      data: { joinRoom: { __typename: 'Placement', role: 'listener', room: { id: openRoom.id, parentId: null } } },
    });
    const head = await api.head();
    const missing = await post(
      api,
      { documentId: 'JoinRoom', variables: { roomId: 'nowhere' } },
      { authorization: `Bearer ${bob}` },
    );
    expect(missing.body.data).toEqual({ joinRoom: null });
    expect(missing.body.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    const badId = await post(
      api,
      { documentId: 'JoinRoom', variables: { roomId: 'x'.repeat(2000) } },
      { authorization: `Bearer ${bob}` },
    );
    expect(badId.body.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_INPUT']);
    const badToken = await post(
      api,
      { documentId: 'JoinRoom', variables: { roomId: openRoom.id } },
      { authorization: 'Bearer not-a-jwt', accept: 'application/graphql-response+json' },
    );
    expect(badToken.status).toBe(401);
    expect(badToken.type).toBe('application/graphql-response+json; charset=utf-8');
    expect(badToken.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(await api.head()).toBe(head);
  });

  it('refuses an id that is not on the list, saying so', async () => {
    const reply = await post(api, { documentId: 'DropAllTables' });
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_INPUT']);
    expect(reply.body.errors?.[0]?.message).toMatch(/not a trusted document/);
  });
});

describe('trusted documents only (production)', () => {
  let api: TestApi;
  let lee: string;
  beforeAll(async () => {
    api = await startApi('gql-trusted-only', {}, { NODE_ENV: 'production' });
    lee = await api.token('lee', 'listener');
  });
  afterAll(() => api.stop());

  it('refuses an ad-hoc document over HTTP, and runs trusted ones by id', async () => {
    const adHoc = await post(api, { query: '{ viewer { id } }' }, { authorization: `Bearer ${lee}` });
    expect(adHoc.status).toBe(403);
    expect(adHoc.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(adHoc.body.errors?.[0]?.message).toMatch(/runs only trusted documents/);
    const sneaky = await post(
      api,
      { query: '{ viewer { id } }' },
      { authorization: `Bearer ${lee}`, origin: 'http://x' },
    );
    expect(sneaky.status).toBe(403);
    const trusted = await post(api, { documentId: 'DashboardViewer' }, { authorization: `Bearer ${lee}` });
    expect(trusted.body).toEqual({ data: { viewer: { id: 'lee', roles: ['listener'] } } });
    const rooms = await fetch(`${api.url}?documentId=DashboardRooms`, { headers: { accept: 'application/json' } });
    expect(await rooms.json()).toEqual({
      data: { rooms: { nodes: [], pageInfo: { endCursor: null, hasNextPage: false } } },
    });
  });

  it('refuses an ad-hoc subscription over graphql-ws, and takes the text of a trusted one', async () => {
    const client = wsClient(api.url, `Bearer ${lee}`);
    try {
      const adHoc = subscribeOverWs(client, 'subscription { directory { __typename } }');
      expect(JSON.stringify((await adHoc.ended).error)).toMatch(/runs only trusted documents/);
      const trusted = subscribeOverWs(client, TRUSTED_DOCUMENTS.DashboardDirectory);
      await new Promise((resolve) => setTimeout(resolve, 300)); // graphql-ws does not acknowledge a subscription
      // No trusted document opens rooms; the setup opens one through the command path.
      await api.server.engine.commands.send({
        type: 'OpenRoom',
        data: { roomId: 'trusted-ws', title: 'Trusted' },
        metadata: { actor: 'lee', at: new Date().toISOString() },
      });
      await trusted.until((results) => JSON.stringify(results).includes('trusted-ws'));
      trusted.close();
    } finally {
      await client.dispose();
    }
  });
});
