import { createClient, type Client } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import { WebSocket } from 'ws';
import type { GraphQLErrorBody } from './apiServer.ts';

/** One result a subscription delivered. */
export interface SubscriptionResult<T = Record<string, unknown>> {
  readonly data?: T | null;
  readonly errors?: readonly GraphQLErrorBody[];
}

/** What a subscription received so far, and a way to wait for more. */
export interface ReceivedFeed<T = Record<string, unknown>> {
  readonly results: SubscriptionResult<T>[];
  /** Resolves once `enough(results)` holds; rejects after `timeoutMs`, showing what did arrive. */
  until(enough: (results: readonly SubscriptionResult<T>[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Settles when the server ends the subscription or the transport fails (with the failure). */
  readonly ended: Promise<{ readonly error?: unknown }>;
  close(): void;
}

const receiver = <T>(label: string) => {
  const results: SubscriptionResult<T>[] = [];
  const waiting = new Set<() => void>();
  let end: (outcome: { error?: unknown }) => void = () => undefined;
  const ended = new Promise<{ error?: unknown }>((resolve) => (end = resolve));
  return {
    results,
    ended,
    push(result: SubscriptionResult<T>): void {
      results.push(result);
      for (const check of waiting) check();
    },
    end(outcome: { error?: unknown }): void {
      end(outcome);
      for (const check of waiting) check();
    },
    until: (enough: (results: readonly SubscriptionResult<T>[]) => boolean, timeoutMs = 5000): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!enough(results)) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`${label}: timed out after ${timeoutMs} ms; received ${JSON.stringify(results)}`));
        }, timeoutMs);
        waiting.add(check);
        check();
      }),
  };
};

export interface SubscribeOptions {
  readonly variables?: Record<string, unknown>;
  readonly token?: string;
}

/**
 * A subscription over yoga's SSE ("distinct connections" mode): a POST with
 * `accept: text/event-stream`, read as `event: next` / `data:` frames.
 * Resolves once the server has answered (the subscription is registered).
 */
export const subscribeOverSse = async <T = Record<string, unknown>>(
  url: string,
  query: string,
  options: SubscribeOptions = {},
): Promise<ReceivedFeed<T>> => {
  const feed = receiver<T>('SSE');
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    signal: abort.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  if (!response.body) throw new Error(`SSE: no body (HTTP ${response.status})`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const lines = frame.split('\n');
          const event = lines
            .find((l) => l.startsWith('event:'))
            ?.slice(6)
            .trim();
          const data = lines
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (event === 'next' && data) feed.push(JSON.parse(data) as SubscriptionResult<T>);
          if (event === 'complete') {
            feed.end({});
            return;
          }
        }
      }
      feed.end({});
    } catch (error) {
      feed.end(abort.signal.aborted ? {} : { error });
    }
  })();
  return {
    results: feed.results,
    until: feed.until,
    ended: feed.ended,
    close: () => abort.abort(),
  };
};

/** A graphql-ws client to the API, failing fast instead of retrying; `authorization` goes in connectionParams. */
export const wsClient = (url: string, authorization?: string): Client =>
  createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
    lazy: true,
  });

/** A subscription over graphql-ws through `client`. */
export const subscribeOverWs = <T = Record<string, unknown>>(
  client: Client,
  query: string,
  options: Pick<SubscribeOptions, 'variables'> = {},
): ReceivedFeed<T> => {
  const feed = receiver<T>('WebSocket');
  const unsubscribe = client.subscribe<T>(
    { query, variables: options.variables },
    {
      next: (result) => feed.push(result),
      error: (error) => feed.end({ error }),
      complete: () => feed.end({}),
    },
  );
  return { results: feed.results, until: feed.until, ended: feed.ended, close: unsubscribe };
};

/**
 * A subscription through the stock `graphql-sse` client (distinct connections
 * mode, no retries), against yoga's SSE endpoint.
 */
export const subscribeWithGraphqlSse = <T = Record<string, unknown>>(
  url: string,
  query: string,
  options: SubscribeOptions = {},
): ReceivedFeed<T> => {
  const feed = receiver<T>('graphql-sse');
  const client = createSseClient({
    url,
    retryAttempts: 0,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  });
  const unsubscribe = client.subscribe<T>(
    { query, variables: options.variables },
    {
      next: (result) => feed.push(result),
      error: (error) => feed.end({ error }),
      complete: () => feed.end({}),
    },
  );
  return {
    results: feed.results,
    until: feed.until,
    ended: feed.ended,
    close: () => {
      unsubscribe();
      client.dispose();
    },
  };
};
