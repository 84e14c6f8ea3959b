import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/apiServer.ts';

/**
 * Room ids no room can have, over real HTTP against a real engine: each
 * request is answered at once with INVALID_INPUT naming the rule (a 996+
 * character id used to leave joinRoom without an answer, for ever).
 */
describe('requests with impossible room ids', () => {
  let api: TestApi;
  let token = '';
  beforeAll(async () => {
    api = await startApi('gql-answered');
    token = await api.token('listener-1', 'listener');
  });
  afterAll(() => api.stop());

  for (const [what, roomId] of [
    ['996 characters', 'r'.repeat(996)],
    ['5,000 characters', 'x'.repeat(5000)],
    ['an overflow id of 996 characters', `${'r'.repeat(996)}.overflow-1`],
    ['spaces and slashes', 'a room/../x'],
  ] as const) {
    it(`joinRoom, leaveRoom and raiseHand with ${what} are refused at once`, async () => {
      for (const field of ['joinRoom', 'leaveRoom', 'raiseHand']) {
        const reply = await api.request(`mutation($id: ID!) { ${field}(roomId: $id) { __typename } }`, {
          token,
          variables: { id: roomId },
        });
        expect(reply.errors?.[0]?.extensions?.code, JSON.stringify(reply.errors)).toBe('INVALID_INPUT');
        // The API's id check answers first (the domain's room-id rule stands behind it): it names
        // the field, and quotes the value cut short, never the whole of it.
        const message = reply.errors?.[0]?.message ?? '';
        expect(message).toMatch(/^roomId must be /);
        expect(message.length).toBeLessThan(200);
      }
    });
  }
});
