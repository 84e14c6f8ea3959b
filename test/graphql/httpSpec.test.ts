import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/apiServer.ts';

/**
 * graphql-http's GraphQL-over-HTTP audits against the real server, anonymous
 * and with a token: every MUST and SHOULD passes (MAY audits are optional by
 * the spec and not asserted here).
 */
describe.each(['without a token', 'with a token'] as const)('GraphQL over HTTP audits, %s', (who) => {
  let api: TestApi;
  let token: string | undefined;
  beforeAll(async () => {
    api = await startApi(`gql-http-spec-${who === 'with a token' ? 'token' : 'anon'}`);
    token = who === 'with a token' ? await api.token('lee', 'listener') : undefined;
  });
  afterAll(() => api.stop());

  const fetchWithToken: typeof fetch = (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const audits = serverAudits({ url: () => api.url, fetchFn: fetchWithToken }).filter(
    (audit) => audit.name.startsWith('MUST') || audit.name.startsWith('SHOULD'),
  );

  it.each(audits.map((audit) => [audit.name, audit] as const))('%s', async (_name, audit) => {
    const result = await audit.fn();
    expect(result.status, 'reason' in result ? String(result.reason) : '').toBe('ok');
  });

  it('answers errors without data with 4xx under application/graphql-response+json', async () => {
    const reply = await api.request('{ viewer { id } }', {
      headers: { accept: 'application/graphql-response+json', authorization: 'Bearer not-a-jwt' },
    });
    expect(reply.status).toBe(401);
    expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    const plain = await api.request('{ viewer { id } }', { headers: { authorization: 'Bearer not-a-jwt' } });
    expect(plain.status, 'application/json keeps 200').toBe(200);
  });
});
