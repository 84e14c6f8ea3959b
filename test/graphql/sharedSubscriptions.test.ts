import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSharedSubscriptionExecution } from '../../src/graphql/sharedExecution.ts';
import { useSseFeed } from '../../src/graphql/sseFeed.ts';
import { createFeedQueue } from '../../src/projections/index.ts';
import { subscribeOverSse, type ReceivedFeed } from '../support/feedClients.ts';

interface Tick {
  readonly n: number;
  readonly pad?: string;
}
interface Context {
  readonly viewer: string | null;
}

/**
 * A small schema behind yoga with the API's two subscription plugins: a
 * channel of ticks (a bus-like queue per subscriber, so SSE pushes), a
 * countdown (an async generator, so SSE pulls), and fields that count their
 * executions and show whom they ran for.
 */
const tickServer = () => {
  const channel = new Set<(tick: Tick) => void>();
  let executions = 0;
  // Small, so a subscriber that does not read is cut off after a few frames its socket could not take.
  const sse = useSseFeed({ maskError: (error) => error as Error, maxBufferedBytes: 64 * 1024 });
  const yoga = createYoga({
    schema: createSchema<Context>({
      typeDefs: /* GraphQL */ `
        type Tick {
          n: Int!
          seenBy: String
          pad: String
        }
        type Query {
          ok: Boolean
        }
        type Subscription {
          ticks(label: String): Tick!
          countdown: Tick!
          broken: Tick!
        }
      `,
      resolvers: {
        Tick: {
          n: (tick: Tick) => {
            executions++;
            return tick.n;
          },
          seenBy: (_tick: Tick, _args: unknown, context: Context) => context.viewer,
        },
        Subscription: {
          ticks: {
            subscribe: (_root: unknown, _args: unknown, context: Context) => {
              if (context.viewer === 'mallory')
                throw new GraphQLError('Not you.', { extensions: { code: 'FORBIDDEN' } });
              const queue = createFeedQueue<Tick>('ticks', 100, () => channel.delete(queue.push));
              channel.add(queue.push);
              return queue.subscription;
            },
            resolve: (tick: Tick) => tick,
          },
          countdown: {
            subscribe: async function* () {
              for (const n of [2, 1]) yield { n };
            },
            resolve: (tick: Tick) => tick,
          },
          broken: {
            subscribe: async function* () {
              yield { n: 1 };
              throw new GraphQLError('The ticks ran out.', { extensions: { code: 'NOT_FOUND' } });
            },
            resolve: (tick: Tick) => tick,
          },
        },
      },
    }),
    plugins: [useSharedSubscriptionExecution<Context>({ viewer: null }, sse.onShared), sse.plugin],
    context: ({ request }) => ({
      viewer: /^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? null,
    }),
  });
  return {
    server: createServer((request, response) => yoga.requestListener(request, response)),
    publish: (tick: Tick) => {
      for (const deliver of channel) deliver(tick);
    },
    subscribers: () => channel.size,
    executions: () => executions,
  };
};

describe('subscriptions: one execution per item and operation, shared by its subscribers', () => {
  let ticks: ReturnType<typeof tickServer>;
  let server: Server;
  let url: string;
  const feeds: ReceivedFeed[] = [];
  const subscribe = async (query: string, token: string, variables?: Record<string, unknown>) => {
    const feed = await subscribeOverSse(url, query, { token, variables });
    feeds.push(feed);
    return feed;
  };

  beforeAll(async () => {
    ticks = tickServer();
    server = ticks.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    for (const feed of feeds) feed.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('subscribers of one operation get the same results from one execution; the shared run sees no viewer', async () => {
    const query = `subscription { ticks { n seenBy } }`;
    const same = [await subscribe(query, 'alice'), await subscribe(query, 'bob'), await subscribe(query, 'carol')];
    const other = await subscribe(`subscription { ticks(label: "other") { n } }`, 'dave');
    expect(ticks.subscribers()).toBe(4);
    const before = ticks.executions();
    ticks.publish({ n: 1 });
    ticks.publish({ n: 2 });
    for (const feed of same) {
      await feed.until((results) => results.length >= 2);
      expect(feed.results).toEqual([
        { data: { ticks: { n: 1, seenBy: null } } },
        { data: { ticks: { n: 2, seenBy: null } } },
      ]);
    }
    await other.until((results) => results.length >= 2);
    expect(other.results).toEqual([{ data: { ticks: { n: 1 } } }, { data: { ticks: { n: 2 } } }]);
    // Two items, two distinct operations: four executions, not one per subscriber (eight).
    expect(ticks.executions() - before).toBe(4);
  });

  it('who may subscribe is still decided per subscriber', async () => {
    const query = `subscription { ticks { n } }`;
    const allowed = await subscribe(query, 'erin');
    const refused = await subscribe(query, 'mallory');
    await refused.until((results) => results.length >= 1);
    expect(refused.results[0]?.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    await expect(refused.ended).resolves.toEqual({});
    ticks.publish({ n: 3 });
    await allowed.until((results) => results.some((r) => r.data?.ticks !== undefined));
    expect(refused.results).toHaveLength(1);
  });

  it('a subscriber that goes away is unsubscribed from its source', async () => {
    const feed = await subscribe(`subscription { ticks { n } }`, 'frank');
    const count = ticks.subscribers();
    feed.close();
    for (let i = 0; i < 50 && ticks.subscribers() === count; i++) await sleep(20);
    expect(ticks.subscribers()).toBe(count - 1);
  });

  it('a source that fails ends the stream with its error, then completes it', async () => {
    const feed = await subscribe(`subscription { broken { n } }`, 'heidi');
    await expect(feed.ended).resolves.toEqual({});
    expect(feed.results).toEqual([
      { data: { broken: { n: 1 } } },
      { errors: [expect.objectContaining({ message: 'The ticks ran out.', extensions: { code: 'NOT_FOUND' } })] },
    ]);
  });

  it('a subscriber that does not read is hung up on and unsubscribed; the others go on', async () => {
    const before = ticks.subscribers();
    const reader = await subscribe(`subscription { ticks { n pad } }`, 'ivan');
    const stuck = connect(Number(new URL(url).port), '127.0.0.1');
    const body = JSON.stringify({ query: `subscription { ticks { n pad } }` });
    stuck.write(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n` +
        `Authorization: Bearer judy\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    stuck.pause();
    const hungUp = new Promise((resolve) => stuck.once('close', resolve));
    stuck.on('error', () => undefined);
    for (let i = 0; i < 50 && ticks.subscribers() < before + 2; i++) await sleep(20);
    const subscribed = ticks.subscribers();
    expect(subscribed).toBe(before + 2);
    // Far more than the socket buffers take: the stuck subscriber falls behind by more than 64 KiB.
    const pad = 'x'.repeat(16 * 1024);
    for (let n = 0; n < 1000 && ticks.subscribers() === subscribed; n++) {
      ticks.publish({ n, pad });
      await sleep(1);
    }
    expect(ticks.subscribers()).toBe(subscribed - 1);
    // Reading what did arrive, the stuck client finds the connection closed.
    stuck.resume();
    await hungUp;
    await reader.until((results) => results.length > 0);
    expect(reader.results.every((r) => r.data?.ticks !== undefined)).toBe(true);
  });

  it('a source that is not a bus subscription is pulled, and its end completes the stream', async () => {
    const feed = await subscribe(`subscription { countdown { n } }`, 'grace');
    await expect(feed.ended).resolves.toEqual({});
    expect(feed.results).toEqual([{ data: { countdown: { n: 2 } } }, { data: { countdown: { n: 1 } } }]);
  });
});
