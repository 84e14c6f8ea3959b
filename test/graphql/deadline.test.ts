import { setTimeout as sleep } from 'node:timers/promises';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useRequestDeadline } from '../../src/graphql/deadline.ts';

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
