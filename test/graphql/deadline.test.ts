import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSchema, GraphQLError, parse } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import type { ApiContext } from '../../src/graphql/context.ts';
import { useRequestDeadline } from '../../src/graphql/deadline.ts';
import { createTrustedExecution } from '../../src/graphql/trustedExecution.ts';

/** The request deadline as a yoga plugin: a resolver that never answers in time still gets its caller an answer. */
describe('the request deadline', () => {
  let finished = 0;
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { slow: String, fast: String } type Mutation { slowWrite: String }',
      resolvers: {
        Query: {
          slow: async () => {
            await sleep(1500);
            finished += 1;
            return 'late';
          },
          fast: () => 'ok',
        },
        Mutation: { slowWrite: () => new Promise<string>(() => undefined) },
      },
    }),
    plugins: [useRequestDeadline(200)],
  });
  const ask = async (query: string) =>
    (await (
      await yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      })
    ).json()) as { data?: unknown; errors?: Array<{ message: string; extensions: { code: string } }> };

  it('answers TIMEOUT, naming the deadline, when execution runs past it', async () => {
    const reply = await ask('{ slow }');
    expect(reply.errors?.[0]?.extensions.code).toBe('TIMEOUT');
    expect(reply.errors?.[0]?.message).toMatch(/^The server did not finish this request within 200 ms; try again/);
    expect(finished).toBe(0);
  });

  it('answers a mutation that never settles, and says to check before repeating it', async () => {
    const reply = await ask('mutation { slowWrite }');
    expect(reply.errors?.[0]?.extensions.code).toBe('TIMEOUT');
    expect(reply.errors?.[0]?.message).toContain('check before repeating it');
  });

  it('leaves requests within the deadline alone', async () => {
    expect(await ask('{ fast }')).toEqual({ data: { fast: 'ok' } });
  });
});

/** The trusted-document fast path bypasses yoga's plugins, so it applies the same deadline itself. */
describe('the request deadline on the trusted-document path', () => {
  const schema = buildSchema('type Query { slow: String }');
  const document = parse('query Slow { slow }');
  const trusted = createTrustedExecution({
    schema,
    trusted: new Map([['Slow', { id: 'Slow', source: 'query Slow { slow }', document }]]),
    maskError: (error) => (error instanceof GraphQLError ? error : new GraphQLError(String(error))),
    contextFor: async () => ({ viewer: null, requestId: 'deadline-test' }) as unknown as ApiContext,
    deadlineMs: 200,
  });
  const rootValue = { slow: () => new Promise<string>(() => undefined) };

  it('answers TIMEOUT for a trusted document whose execution never settles', async () => {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => void trusted.take(request, response, Buffer.concat(chunks)));
    });
    // graphql-js reads a root field's resolver from the root value; the slow one is on the schema's Query type.
    schema.getQueryType()!.getFields().slow!.resolve = rootValue.slow;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ documentId: 'Slow' }),
      });
      const reply = (await response.json()) as { errors?: Array<{ message: string; extensions: { code: string } }> };
      expect(reply.errors?.[0]?.extensions.code).toBe('TIMEOUT');
      expect(reply.errors?.[0]?.message).toContain('within 200 ms');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
