import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, TEST_SECRET, type TestApi } from '../support/apiServer.ts';
import { joinRoom, openRoom } from './rooms.ts';

type Caller = 'nobody' | 'listener' | 'producer' | 'analyst' | 'moderator';
type Outcome = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'ok';

/** Who calls, as which user: the moderator is a listener the room's opener added as a moderator. */
const USERS: Record<Exclude<Caller, 'nobody'>, string> = {
  listener: 'lee',
  producer: 'pat',
  analyst: 'ann',
  moderator: 'mod2',
};

/** What must be true of a fresh room before the mutation can succeed for `self` (the caller's user id). */
type Setup = 'none' | 'selfJoined' | 'selfHandUp' | 'selfInvited' | 'targetHandUp' | 'targetJoined' | 'targetSpeaking';

interface MutationCase {
  readonly name: string;
  readonly document: (roomId: string) => string;
  readonly setup: Setup;
  readonly headliner?: boolean;
  /** Only a moderator of the room may do it. */
  readonly moderatorOnly: boolean;
}

const MUTATIONS: readonly MutationCase[] = [
  {
    name: 'openRoom',
    document: () => `mutation { openRoom(input: { title: "Mine" }) { id } }`,
    setup: 'none',
    moderatorOnly: false,
  },
  {
    name: 'joinRoom',
    document: (r) => `mutation { joinRoom(roomId: "${r}") { ... on Placement { role } } }`,
    setup: 'none',
    moderatorOnly: false,
  },
  {
    name: 'leaveRoom',
    document: (r) => `mutation { leaveRoom(roomId: "${r}") { id } }`,
    setup: 'selfJoined',
    moderatorOnly: false,
  },
  {
    name: 'raiseHand',
    document: (r) => `mutation { raiseHand(roomId: "${r}") { id } }`,
    setup: 'selfJoined',
    moderatorOnly: false,
  },
  {
    name: 'lowerHand (own)',
    document: (r) => `mutation { lowerHand(roomId: "${r}") { id } }`,
    setup: 'selfHandUp',
    moderatorOnly: false,
  },
  {
    name: "lowerHand (someone else's)",
    document: (r) => `mutation { lowerHand(roomId: "${r}", userId: "tess") { id } }`,
    setup: 'targetHandUp',
    moderatorOnly: true,
  },
  {
    name: 'inviteToSpeak',
    document: (r) => `mutation { inviteToSpeak(roomId: "${r}", userId: "tess") { id } }`,
    setup: 'targetJoined',
    moderatorOnly: true,
  },
  {
    name: 'acceptInvite',
    document: (r) => `mutation { acceptInvite(roomId: "${r}") { id } }`,
    setup: 'selfInvited',
    moderatorOnly: false,
  },
  {
    name: "moveToAudience (someone else's)",
    document: (r) => `mutation { moveToAudience(roomId: "${r}", userId: "tess") { id } }`,
    setup: 'targetSpeaking',
    moderatorOnly: true,
  },
  {
    name: 'addModerator',
    document: (r) => `mutation { addModerator(roomId: "${r}", userId: "tess") { id } }`,
    setup: 'none',
    moderatorOnly: true,
  },
  {
    name: 'announceHeadliner',
    document: (r) => `mutation { announceHeadliner(roomId: "${r}", userId: "star", expectedAudience: 1000) { id } }`,
    setup: 'none',
    moderatorOnly: true,
  },
  {
    name: 'markHeadlinerArrived',
    document: (r) => `mutation { markHeadlinerArrived(roomId: "${r}") { id } }`,
    setup: 'none',
    headliner: true,
    moderatorOnly: true,
  },
  {
    name: 'endRoom',
    document: (r) => `mutation { endRoom(roomId: "${r}") { id } }`,
    setup: 'none',
    moderatorOnly: true,
  },
];

const CALLERS: readonly Caller[] = ['nobody', 'listener', 'producer', 'analyst', 'moderator'];

const expected = (mutation: MutationCase, caller: Caller): Outcome => {
  if (caller === 'nobody') return 'UNAUTHENTICATED';
  if (caller === 'analyst') return 'FORBIDDEN';
  if (mutation.moderatorOnly && caller !== 'moderator') return 'FORBIDDEN';
  return 'ok';
};

describe('GraphQL authorization', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    // The rate limiter is not under test here: the matrix sends a few hundred setup mutations.
    api = await startApi('gql-authorization', { mutationsPerSecond: 100_000 });
    tokens.owner = await api.token('owner', 'listener');
    tokens.tess = await api.token('tess', 'listener');
    tokens.lee = await api.token('lee', 'listener');
    tokens.pat = await api.token('pat', 'producer');
    tokens.ann = await api.token('ann', 'analyst');
    tokens.mod2 = await api.token('mod2', 'listener');
  });
  afterAll(() => api.stop());

  const run = (user: string, document: string) => api.data(document, { token: tokens[user]! });

  /** A fresh room opened by `owner`, with mod2 as a second moderator and the mutation's preconditions met. */
  const prepare = async (mutation: MutationCase, caller: Caller): Promise<string> => {
    const { id } = await openRoom(api, tokens.owner!);
    await run('owner', `mutation { addModerator(roomId: "${id}", userId: "mod2") { id } }`);
    if (mutation.headliner) {
      await run('owner', `mutation { announceHeadliner(roomId: "${id}", userId: "star", expectedAudience: 9) { id } }`);
    }
    // nobody and the analyst cannot join; the guard refuses them before the domain looks at the room.
    const self = caller === 'nobody' || caller === 'analyst' ? undefined : USERS[caller];
    const selfJoins = ['selfJoined', 'selfHandUp', 'selfInvited'].includes(mutation.setup);
    if (self && selfJoins) await joinRoom(api, tokens[self]!, id);
    if (self && mutation.setup === 'selfHandUp') await run(self, `mutation { raiseHand(roomId: "${id}") { id } }`);
    if (self && mutation.setup === 'selfInvited') {
      await run('owner', `mutation { inviteToSpeak(roomId: "${id}", userId: "${self}") { id } }`);
    }
    if (['targetHandUp', 'targetJoined', 'targetSpeaking'].includes(mutation.setup))
      await joinRoom(api, tokens.tess!, id);
    if (mutation.setup === 'targetHandUp') await run('tess', `mutation { raiseHand(roomId: "${id}") { id } }`);
    if (mutation.setup === 'targetSpeaking') {
      await run('owner', `mutation { inviteToSpeak(roomId: "${id}", userId: "tess") { id } }`);
      await run('tess', `mutation { acceptInvite(roomId: "${id}") { id } }`);
    }
    return id;
  };

  const cells = MUTATIONS.flatMap((mutation) =>
    CALLERS.map((caller) => [mutation.name, caller, expected(mutation, caller), mutation] as const),
  );

  it.each(cells)('%s by %s: %s', async (_name, caller, outcome, mutation) => {
    const roomId = await prepare(mutation, caller);
    const head = await api.head();
    const token = caller === 'nobody' ? undefined : tokens[USERS[caller]];
    const reply = await api.request(mutation.document(roomId), { token });
    expect(reply.status).toBeLessThan(500);
    if (outcome === 'ok') {
      expect(reply.errors).toBeUndefined();
      expect(await api.head()).toBeGreaterThan(head);
      return;
    }
    // Mutation fields are nullable: the refused field answers null beside its error.
    expect(Object.values(reply.data ?? {})).toEqual([null]);
    expect(reply.errors?.map((e) => e.extensions?.code)).toEqual([outcome]);
    const message = reply.errors![0]!.message;
    if (caller === 'nobody') expect(message).toMatch(/Sign in first: send "Authorization: Bearer <token>"/);
    else if (caller === 'analyst') expect(message).toMatch(/needs the role listener or producer/);
    else expect(message).toMatch(new RegExp(`Only a moderator of room ${roomId} can .*; ${USERS[caller]} is not one`));
    expect(await api.head()).toBe(head);
  });

  describe('queries', () => {
    let roomId: string;
    beforeAll(async () => {
      roomId = (await openRoom(api, tokens.owner!)).id;
      await joinRoom(api, tokens.lee!, roomId);
    });

    const QUERIES = {
      rooms: () => `{ rooms(first: 100) { nodes { id } } }`,
      room: (r: string) => `{ room(id: "${r}") { id } }`,
      roomHistory: (r: string) => `{ roomHistory(id: "${r}") { nodes { type } } }`,
      roomAsOf: (r: string) => `{ roomAsOf(id: "${r}", at: "${new Date().toISOString()}") { id } }`,
      roomAnalytics: (r: string) => `{ roomAnalytics(id: "${r}") { roomId } }`,
    } as const;
    type QueryName = keyof typeof QUERIES;
    const ask = (name: QueryName, token?: string) => api.request(QUERIES[name](roomId), { token });

    it('without a token only the directory is open (and viewer is null)', async () => {
      const rooms = await ask('rooms');
      expect(rooms.errors).toBeUndefined();
      expect(JSON.stringify(rooms.data)).toContain(roomId);
      expect(await api.data(`{ viewer { id } }`)).toEqual({ viewer: null });
      for (const name of ['room', 'roomHistory', 'roomAsOf', 'roomAnalytics'] as const) {
        const reply = await ask(name);
        expect(
          reply.errors?.map((e) => e.extensions?.code),
          name,
        ).toEqual(['UNAUTHENTICATED']);
      }
    });

    it('a listener reads rooms but not history, replays or analytics', async () => {
      expect((await ask('room', tokens.lee)).data).toEqual({ room: { id: roomId } });
      for (const name of ['roomHistory', 'roomAsOf', 'roomAnalytics'] as const) {
        const reply = await ask(name, tokens.lee);
        expect(
          reply.errors?.map((e) => e.extensions?.code),
          name,
        ).toEqual(['FORBIDDEN']);
        expect(reply.errors?.[0]?.message).toMatch(/needs the role analyst or producer/);
      }
    });

    it.each(['ann', 'pat'])('%s (analyst / producer) reads history, replays and analytics', async (user) => {
      for (const name of ['room', 'roomHistory', 'roomAsOf', 'roomAnalytics'] as const) {
        const reply = await ask(name, tokens[user]);
        expect(reply.errors, name).toBeUndefined();
        expect(Object.values(reply.data ?? {})[0], name).not.toBeNull();
      }
    });
  });

  describe('tokens', () => {
    const sign = (claims: Record<string, unknown>, secret: string, expiresAt?: number) => {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
      if (claims.sub === undefined) jwt.setSubject('eve');
      // Every token must expire: without one given, an hour from now.
      jwt.setExpirationTime(expiresAt ?? Math.floor(Date.now() / 1000) + 3600);
      return jwt.sign(new TextEncoder().encode(secret));
    };
    const unauthenticated = async (headers: Record<string, string>, message: RegExp) => {
      const head = await api.head();
      for (const document of [`{ viewer { id } }`, `mutation { openRoom(input: { title: "x" }) { id } }`]) {
        const reply = await api.request(document, { headers });
        expect(reply.status).toBeLessThan(500);
        expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
        expect(reply.errors?.[0]?.message).toMatch(message);
      }
      expect(await api.head()).toBe(head);
    };

    it('refuses a token signed with another secret', async () => {
      const forged = await sign({ roles: ['producer'] }, 'another-secret-of-16-chars');
      await unauthenticated(
        { authorization: `Bearer ${forged}` },
        /bearer token is not valid \(signature verification failed\); get a new one/,
      );
    });

    it('refuses an expired token', async () => {
      const expired = await sign({ roles: ['producer'] }, TEST_SECRET, Math.floor(Date.now() / 1000) - 60);
      await unauthenticated(
        { authorization: `Bearer ${expired}` },
        /not valid \(.*"exp" claim timestamp check failed\); get a new one/,
      );
    });

    it('refuses an unsigned (alg: none) token claiming to be a producer', async () => {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${part({ alg: 'none' })}.${part({ sub: 'eve', roles: ['producer'] })}.`;
      await unauthenticated({ authorization: `Bearer ${unsigned}` }, /bearer token is not valid/);
    });

    it('refuses a token without a subject', async () => {
      const anonymous = await new SignJWT({ roles: ['producer'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(TEST_SECRET));
      await unauthenticated({ authorization: `Bearer ${anonymous}` }, /The token has no subject \(sub\)/);
    });

    it.each(['Basic YWxpY2U6c2VjcmV0', 'Bearer', 'Bearer a b', 'eyJhbGciOiJIUzI1NiJ9', 'Token abc'])(
      'refuses the Authorization header %j, saying what it must look like',
      async (header) => {
        await unauthenticated({ authorization: header }, /The Authorization header must be "Bearer <token>"/);
      },
    );

    it('refuses a bearer value that is not a JWT', async () => {
      await unauthenticated({ authorization: 'Bearer not-a-jwt' }, /bearer token is not valid \(Invalid Compact JWS\)/);
    });

    it('takes roles only from the token: not from arguments, headers or unknown claims', async () => {
      const head = await api.head();
      const argument = await api.request(`{ roomHistory(id: "x", roles: [producer]) { nodes { type } } }`, {
        token: tokens.lee,
      });
      expect(argument.errors?.[0]?.message).toMatch(/Unknown argument "roles" on field "Query.roomHistory"/);
      expect(argument.data ?? null).toBeNull();
      const headers = { 'x-roles': 'producer', 'x-spillway-roles': 'producer', roles: 'producer,analyst' };
      const viaHeader = await api.request(`{ viewer { id roles } }`, { token: tokens.lee, headers });
      expect(viaHeader.data).toEqual({ viewer: { id: 'lee', roles: ['listener'] } });
      const history = await api.request(`{ roomHistory(id: "x") { nodes { type } } }`, { token: tokens.lee, headers });
      expect(history.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const odd = await sign({ sub: 'odd', roles: ['admin', 'analyst', 42] }, TEST_SECRET);
      expect(await api.data(`{ viewer { id roles } }`, { token: odd })).toEqual({
        viewer: { id: 'odd', roles: ['analyst'] },
      });
      const analystWrite = await api.request(`mutation { openRoom(input: { title: "x" }) { id } }`, { token: odd });
      expect(analystWrite.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(await api.head()).toBe(head);
    });
  });
});
