import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from '../support/apiServer.ts';

const SCHEDULE = `mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { id status } }`;
const RESCHEDULE = `mutation($id: ID!, $at: DateTime!) { rescheduleSession(sessionId: $id, startsAt: $at) { id startsAt } }`;
const CANCEL = `mutation($id: ID!) { cancelSession(sessionId: $id, reason: "mine now") { id status } }`;

/** Only the producer who scheduled a session may move or cancel it; and titles must be visible (issue #13). */
describe('session ownership and visible titles, through the API', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    api = await startApi('gql-session-rights');
    tokens.pat = await api.token('pat', 'producer');
    tokens.quinn = await api.token('quinn', 'producer');
    tokens.lee = await api.token('lee', 'listener');
  });
  afterAll(() => api.stop());

  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

  it("refuses another producer's reschedule and cancel, writes nothing; the producer who scheduled may", async () => {
    const { scheduleSession } = await api.data<{ scheduleSession: { id: string } }>(SCHEDULE, {
      token: tokens.pat,
      variables: {
        input: { title: 'Star night', startsAt: inAnHour(), headlinerUserId: 'star', expectedAudience: 100 },
      },
    });
    const id = scheduleSession.id;
    const head = await api.head();
    for (const [document, variables] of [
      [RESCHEDULE, { id, at: inAnHour() }],
      [CANCEL, { id }],
    ] as const) {
      const reply = await api.request(document, { token: tokens.quinn, variables });
      expect(Object.values(reply.data ?? {})).toEqual([null]);
      expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(reply.errors?.[0]?.message).toMatch(new RegExp(`Only pat, who scheduled session ${id}, can`));
    }
    expect(await api.head()).toBe(head);
    const moved = await api.request(RESCHEDULE, { token: tokens.pat, variables: { id, at: inAnHour() } });
    expect(moved.errors).toBeUndefined();
    const cancelled = await api.data<{ cancelSession: { status: string } }>(CANCEL, {
      token: tokens.pat,
      variables: { id },
    });
    expect(cancelled.cancelSession.status).toBe('cancelled');
  });

  it.each([
    ['only NULs', '\u0000\u0000\u0000'],
    ['only zero-width characters', '\u200B\u200C\u200D\uFEFF'],
    ['a lone surrogate', 'Jazz \uD800'],
    ['only spaces and controls', ' \t\u0007 '],
  ])('refuses a title of %s, naming the title, writing nothing', async (_name, title) => {
    const head = await api.head();
    const room = await api.request(`mutation($t: String!) { openRoom(input: { title: $t }) { id } }`, {
      token: tokens.lee,
      variables: { t: title },
    });
    expect(room.data).toEqual({ openRoom: null });
    expect(room.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_INPUT']);
    expect(room.errors?.[0]?.message).toMatch(/title/);
    const session = await api.request(SCHEDULE, {
      token: tokens.pat,
      variables: { input: { title, startsAt: inAnHour(), headlinerUserId: 'star', expectedAudience: 1 } },
    });
    expect(session.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_INPUT']);
    expect(session.errors?.[0]?.message).toMatch(/title/);
    expect(await api.head()).toBe(head);
  });
});
