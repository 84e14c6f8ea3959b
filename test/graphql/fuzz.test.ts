import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type GraphQLErrorBody, type TestApi } from '../support/apiServer.ts';

/** One malformed request: how it is sent, and whether it can only be refused. */
interface Probe {
  readonly kind: string;
  readonly method: 'GET' | 'POST';
  readonly search?: string;
  readonly contentType?: string;
  readonly body?: string;
  readonly as?: 'listener' | 'analyst';
  /** True when no luck can make it a valid request: it must come back with errors. */
  readonly mustFail: boolean;
  readonly status?: number;
  readonly message?: RegExp;
}

const VALID_DOCUMENTS = [
  '{ viewer { id roles } }',
  'query Rooms($first: Int, $after: String) { rooms(first: $first, after: $after) { nodes { id title } pageInfo { endCursor } } }',
  'query Room($id: ID!) { room(id: $id) { id listenerCount overflowRooms { id } } }',
  'query History($id: ID!, $first: Int) { roomHistory(id: $id, first: $first) { nodes { type data } } }',
  'query AsOf($id: ID!, $at: DateTime!) { roomAsOf(id: $id, at: $at) { id } }',
  'mutation Join($roomId: ID!) { joinRoom(roomId: $roomId) { ... on Placement { role room { id } } } }',
  'mutation Open($input: OpenRoomInput!) { openRoom(input: $input) { id } }',
  'mutation Lower($roomId: ID!, $userId: ID) { lowerHand(roomId: $roomId, userId: $userId) { id } }',
  'mutation Headliner($roomId: ID!, $userId: ID!, $n: Int!) { announceHeadliner(roomId: $roomId, userId: $userId, expectedAudience: $n) { id } }',
];
const KNOWN_QUERY_FIELDS = ['viewer', 'room', 'rooms', 'roomAsOf', 'roomHistory', 'roomAnalytics'];
const json = (value: unknown) => JSON.stringify(value);
const post = (body: string, extra: Partial<Probe> = {}): Probe => ({
  kind: 'post',
  method: 'POST',
  contentType: 'application/json',
  body,
  mustFail: false,
  ...extra,
});

const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }));
const caller = fc.constantFrom<Probe['as']>(undefined, 'listener', 'analyst');

const randomDocuments = fc
  .tuple(anyText, caller)
  .map(([query, as]) => post(json({ query }), { kind: 'random document', as }));

const truncatedDocuments = fc
  .constantFrom(...VALID_DOCUMENTS)
  .chain((document) => fc.integer({ min: 0, max: document.length - 1 }).map((n) => document.slice(0, n)))
  .map((query) => post(json({ query }), { kind: 'truncated document', mustFail: true, as: 'listener' }));

// Variables of any JSON shape for documents that take some. No room exists on this server, so even a
// well-typed mutation is refused (NOT_FOUND), and openRoom is only ever sent by those who may not open.
const wrongVariables = fc
  .tuple(
    fc.constantFrom(...VALID_DOCUMENTS.slice(1)),
    fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.constantFrom('first', 'after', 'id', 'at', 'roomId', 'userId', 'n', 'input'), fc.jsonValue()),
    ),
    caller,
  )
  .map(([query, variables, as]) =>
    post(json({ query, variables }), {
      kind: 'wrong variables',
      as: query.includes('openRoom') && as === 'listener' ? 'analyst' : as,
    }),
  );

const hugeInts = fc
  .oneof(
    fc.bigInt({ min: 2n ** 31n, max: 10n ** 40n }).map(String),
    fc.bigInt({ min: -(10n ** 40n), max: -(2n ** 31n) - 1n }).map(String),
    fc.constantFrom('1e309', '-0.5', '9007199254740993', '0x10'),
  )
  .map((n) =>
    post(json({ query: `{ rooms(first: ${n}) { pageInfo { endCursor } } }` }), { kind: 'huge int', mustFail: true }),
  );

const deepSelections = fc.integer({ min: 11, max: 80 }).map((depth) => {
  const inner = Array.from({ length: depth - 2 }, (_, i) => `f${i} {`).join(' ');
  const query = `{ rooms { nodes { ${inner} id ${'}'.repeat(depth - 2)} } } }`;
  return post(json({ query }), {
    kind: 'deep selection',
    mustFail: true,
    message: /The query is nested \d+ levels deep; the limit is 10/,
  });
});

const unknownFields = fc
  .stringMatching(/^[_A-Za-z][_0-9A-Za-z]{0,20}$/)
  .filter((name) => !KNOWN_QUERY_FIELDS.includes(name) && !name.startsWith('__'))
  .map((name) =>
    post(json({ query: `{ ${name} }` }), { kind: 'unknown field', mustFail: true, message: /Cannot query field/ }),
  );

const oversizedBodies = fc.integer({ min: 64 * 1024 + 1, max: 256 * 1024 }).map((size) =>
  post(json({ query: `{ viewer { id } }${' '.repeat(size)}` }), {
    kind: 'oversized body',
    mustFail: true,
    status: 413,
    message: /the limit is 65536/,
  }),
);

const wrongContentTypes = fc
  .tuple(
    fc.constantFrom(
      'text/plain',
      'application/xml',
      'application/octet-stream',
      'multipart/form-data; boundary=zz',
      'application/x-www-form-urlencoded',
      'application/graphql',
      undefined,
    ),
    anyText,
  )
  .map(([contentType, body]): Probe => ({
    kind: 'wrong content type',
    method: 'POST',
    ...(contentType ? { contentType } : {}),
    body,
    as: 'listener',
    mustFail: true,
  }));

const badQueryStrings = fc
  .oneof(
    anyText.map((text) => `?${text}`),
    fc
      .tuple(anyText, anyText)
      .map(([query, variables]) => `?query=${encodeURIComponent(query)}&variables=${variables}`),
    fc
      .tuple(fc.constantFrom(...VALID_DOCUMENTS), anyText)
      .map(([query, junk]) => `?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(junk)}`),
  )
  .map((search): Probe => ({ kind: 'GET', method: 'GET', search, as: 'listener', mustFail: false }));

const bodyShapes = fc
  .record(
    { query: fc.jsonValue(), variables: fc.jsonValue(), operationName: fc.jsonValue(), extensions: fc.jsonValue() },
    { requiredKeys: [] },
  )
  .map((body) => post(json(body), { kind: 'body shape', as: 'listener' }));

const probes = fc.oneof(
  randomDocuments,
  truncatedDocuments,
  wrongVariables,
  hugeInts,
  deepSelections,
  unknownFields,
  oversizedBodies,
  wrongContentTypes,
  badQueryStrings,
  bodyShapes,
);

/** Requests built to make the server do far more than they cost to send: each refused before it runs. */
const times = (n: number, field: (i: number) => string) => Array.from({ length: n }, (_, i) => field(i)).join(' ');
const AMPLIFYING: readonly (readonly [string, string, string, RegExp])[] = [
  ['31 aliases', `{ ${times(31, (i) => `a${i}: viewer { id }`)} }`, 'INVALID_INPUT', /31 aliases; the limit is 30/],
  [
    '11 root fields',
    `{ ${times(11, (i) => `r${i}: rooms { nodes { id } }`)} }`,
    'INVALID_INPUT',
    /11 top-level fields; the limit is 10/,
  ],
  [
    'aliases multiplied by fragment spreads',
    `{ ...F ...F ...F ...F } fragment F on Query { ${times(8, (i) => `v${i}: viewer { id }`)} }`,
    'INVALID_INPUT',
    /32 aliases/,
  ],
  [
    '6 aliased __schema',
    `{ ${times(6, (i) => `s${i}: __schema { types { fields { args { name } } } }`)} }`,
    'INVALID_INPUT',
    /would cost 60\d\d; the limit is 5000/,
  ],
  [
    '1,281 aliased __schema in 64 KB',
    `{ ${times(1281, (i) => `s${i}: __schema { types { name } }`)} }`,
    'GRAPHQL_PARSE_FAILED',
    /more tha[nt] 2000 tokens/,
  ],
  [
    'introspection 16 levels deep',
    `{ __type(name: "Room") { ${'fields { type { '.repeat(7)}name${' } }'.repeat(7)} } }`,
    'INVALID_INPUT',
    /introspection is nested 16 levels deep/,
  ],
  [
    'a 2,000-level document',
    `{ ${'rooms { nodes { '.repeat(1000)}id${' } }'.repeat(1000)} }`,
    'GRAPHQL_PARSE_FAILED',
    /more tha[nt] 2000 tokens/,
  ],
  ['2,001 tokens', `{ viewer { ${times(1998, () => 'id')} } }`, 'GRAPHQL_PARSE_FAILED', /more tha[nt] 2000 tokens/],
  [
    '11 mutation fields',
    `mutation { ${times(11, (i) => `j${i}: joinRoom(roomId: "r${i}") { ... on Placement { role } }`)} }`,
    'INVALID_INPUT',
    /The mutation has 11 fields; the limit is 10/,
  ],
  [
    '300 mutation fields',
    `mutation { ${times(300, (i) => `o${i}: openRoom(input: { title: "t" }) { id }`)} }`,
    'GRAPHQL_PARSE_FAILED',
    /tokens/,
  ],
];

describe('GraphQL API under malformed input', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};
  const internalErrors: unknown[] = [];

  beforeAll(async () => {
    api = await startApi('gql-fuzz', { onInternalError: (error) => internalErrors.push(error) });
    tokens.listener = await api.token('lee', 'listener');
    tokens.analyst = await api.token('ann', 'analyst');
  });
  afterAll(() => api.stop());

  const send = async (probe: Probe) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (probe.contentType) headers['content-type'] = probe.contentType;
    if (probe.as) headers.authorization = `Bearer ${tokens[probe.as]}`;
    const response = await fetch(`${api.url}${probe.search ?? ''}`, {
      method: probe.method,
      headers,
      ...(probe.body === undefined ? {} : { body: probe.body }),
    });
    const text = await response.text();
    return { status: response.status, text };
  };

  it('never answers 5xx, always says what is wrong in JSON, and never writes an event', async () => {
    const head = await api.head();
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(probes, async (probe) => {
        seen.set(probe.kind, (seen.get(probe.kind) ?? 0) + 1);
        const { status, text } = await send(probe);
        expect(status, text).toBeLessThan(500);
        if (probe.status !== undefined) expect(status).toBe(probe.status);
        let body: { data?: unknown; errors?: GraphQLErrorBody[] };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          throw new Error(`HTTP ${status} answered with a body that is not JSON: ${text.slice(0, 200)}`);
        }
        const errors = body.errors ?? [];
        if (probe.mustFail || body.data === undefined || body.data === null) {
          expect(errors.length, text).toBeGreaterThan(0);
        }
        for (const error of errors) {
          expect(typeof error.message).toBe('string');
          expect(error.message.length).toBeGreaterThan(10);
          expect(error.extensions?.code, text).not.toBe('INTERNAL');
        }
        if (probe.message) expect(errors.map((e) => e.message).join('\n')).toMatch(probe.message);
        expect(await api.head()).toBe(head);
      }),
      { numRuns: 200 },
    );
    expect(internalErrors).toEqual([]);
    expect(seen.size).toBeGreaterThanOrEqual(8);
  });

  it.each(AMPLIFYING)('refuses %s before it runs: 400, %s, nothing written', async (_name, query, code, message) => {
    const head = await api.head();
    const response = await fetch(api.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${tokens.listener}`,
      },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: GraphQLErrorBody[] };
    expect(response.status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.map((e) => e.extensions?.code)).toContain(code);
    expect(body.errors?.map((e) => e.message).join('\n')).toMatch(message);
    expect(await api.head()).toBe(head);
    expect(internalErrors).toEqual([]);
  });

  const long = 'x'.repeat(2000);
  it.each([
    ["an id over the store's limit", `{ room(id: "${long}") { id } }`, 'id'],
    ['an empty id', `{ room(id: "") { id } }`, 'id'],
    ['a zero-width id', `{ room(id: "a\\u200Bb") { id } }`, 'id'],
    ['a lone-surrogate id (by variable)', 'query($id: ID!) { room(id: $id) { id } }', 'id', { id: 'a\uD800b' }],
    [
      'a mutation on an over-long room id',
      `mutation { joinRoom(roomId: "${long}") { ... on Placement { role } } }`,
      'roomId',
    ],
    [
      'a huge history cursor',
      `{ roomHistory(id: "x", after: "99999999999999999999999999") { nodes { type } } }`,
      'after',
    ],
    ['an over-long directory cursor', `{ rooms(after: "${long}") { nodes { id } } }`, 'after'],
  ] as [string, string, string, Record<string, unknown>?][])(
    'refuses %s: INVALID_INPUT naming the field, nothing written',
    async (_name, query, field, variables) => {
      const head = await api.head();
      const reply = await api.request(query, { token: tokens.analyst, ...(variables ? { variables } : {}) });
      expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_INPUT']);
      expect(reply.errors?.[0]?.extensions?.field).toBe(field);
      expect(reply.errors?.[0]?.message).toMatch(new RegExp(`^${field} must be`));
      expect(await api.head()).toBe(head);
      expect(internalErrors).toEqual([]);
    },
  );

  it('sends no 100 Continue for a body it will refuse, and one for a body it takes', async () => {
    const expecting = (length: number, body: string) =>
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const req = request(api.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': length, expect: '100-continue' },
        });
        req.once('continue', () => {
          continued = true;
          req.end(body);
        });
        req.once('response', (response) => {
          response.resume();
          response.once('end', () => resolve({ status: response.statusCode ?? 0, continued }));
        });
        req.once('error', reject);
        req.flushHeaders();
      });
    expect(await expecting(70_000, '')).toEqual({ status: 413, continued: false });
    const small = JSON.stringify({ query: '{ viewer { id } }' });
    expect(await expecting(Buffer.byteLength(small), small)).toEqual({ status: 200, continued: true });
  });

  // The body limit is enforced before yoga from Content-Length, so a body must declare its length.
  it('refuses a streamed body without a Content-Length (411) and one declared too large (413)', async () => {
    const post = (headers: Record<string, string | number>, chunks: string[]) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(api.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } });
        req.once('response', (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.once('end', () => resolve({ status: response.statusCode ?? 0, text }));
        });
        req.once('error', reject);
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    const head = await api.head();
    const streamed = await post({ 'transfer-encoding': 'chunked' }, ['{"query":', '"{ viewer { id } }"}']);
    expect(streamed.status).toBe(411);
    expect(streamed.text).toMatch(/Send a Content-Length/);
    const declared = await post({ 'content-length': 70_000 }, ['{"query":"{ viewer { id } }"}', ' '.repeat(69_970)]);
    expect(declared.status).toBe(413);
    expect(declared.text).toMatch(/The request body is 70000 bytes; the limit is 65536/);
    expect(await api.head()).toBe(head);
  });

  it('refuses a document nested deeper than 10 levels, saying so', async () => {
    const reply = await api.request(`{ rooms { nodes { a { b { c { d { e { f { g { h { id } } } } } } } } } } }`);
    expect(reply.errors?.map((e) => e.message)).toContain('The query is nested 11 levels deep; the limit is 10.');
    expect(reply.data ?? null).toBeNull();
  });

  it('refuses a document whose page sizes multiply past the cost limit, saying so', async () => {
    const fields = 'position revision type recordedAt actor data';
    // The largest page the schema documents, with every field and its pageInfo, fits: 1 + 500 × 7 + 3.
    const largest = await api.request(
      `{ roomHistory(id: "x", first: 500) { nodes { ${fields} } pageInfo { endCursor hasNextPage } } }`,
      { token: tokens.analyst },
    );
    expect(largest.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    const tooLarge = await api.request(`{ roomHistory(id: "x", first: 1000) { nodes { ${fields} } } }`, {
      token: tokens.analyst,
    });
    expect(tooLarge.errors?.map((e) => e.message)).toEqual(['first must be from 1 to 500, not 1000.']);
    // Each alias costs 1 + 100 × 14 = 1401: three are affordable, four are not.
    const page = `rooms(first: 100) { nodes { id title state capacity listenerCount familyListenerCount full
      speakers moderators raisedHands overflowRooms { id listenerCount } } }`;
    const three = await api.request(`{ a: ${page} b: ${page} c: ${page} }`);
    expect(three.errors).toBeUndefined();
    const aliased = await api.request(`{ a: ${page} b: ${page} c: ${page} d: ${page} }`);
    expect(aliased.errors?.map((e) => e.message)).toEqual([
      'The query would cost 5604; the limit is 5000. Ask for fewer fields or smaller pages.',
    ]);
    // A page size given by variable is priced as the largest page.
    const byVariable = await api.request(
      `query($n: Int) { a: ${page.replace('first: 100', 'first: $n')} b: ${page} c: ${page} d: ${page} }`,
      { variables: { n: 1 } },
    );
    expect(byVariable.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_INPUT']);
  });
});

describe('the per-user rate limiter', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi('gql-rate-limit', { mutationsPerSecond: 1 });
  });
  afterAll(() => api.stop());

  it('answers RATE_LIMITED after the burst, per user, writes nothing for it, and refills', async () => {
    const lee = await api.token('lee', 'listener');
    const join = (token: string) =>
      api.request(`mutation { joinRoom(roomId: "no-such-room") { ... on Placement { role } } }`, { token });
    const head = await api.head();
    const burst = await Promise.all(Array.from({ length: 10 }, () => join(lee)));
    const codes = burst.map((reply) => reply.errors?.[0]?.extensions?.code).sort();
    // Burst 4× the rate: 4 reach the domain (which refuses them: no such room), the bucket is then empty.
    expect(codes).toEqual([...Array<string>(4).fill('NOT_FOUND'), ...Array<string>(6).fill('RATE_LIMITED')]);
    const limited = await join(lee);
    expect(limited.errors?.[0]?.message).toBe(
      'Too many changes from lee at once; slow down and try again in a second. Nothing was written.',
    );
    expect(limited.status).toBeLessThan(500);
    const sameUserOtherToken = await api.token('lee', 'producer');
    expect((await join(sameUserOtherToken)).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await join(await api.token('bob', 'listener'))).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(
      (await api.request(`{ rooms { pageInfo { endCursor } } }`, { token: lee })).errors,
      'queries are not rate limited',
    ).toBeUndefined();
    await sleep(1100);
    expect((await join(lee)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await api.head()).toBe(head);
  });
});
