import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { SharedSubscription } from './sharedExecution.ts';

/** A source that can push its items to a listener (a bus subscription; see LiveFeed in src/projections). */
interface PushableSource {
  deliverTo(deliver: (item: unknown) => void, ended: (error?: Error) => void): void;
  close(): void;
}
const isPushable = (source: unknown): source is PushableSource =>
  typeof (source as Partial<PushableSource>).deliverTo === 'function' &&
  typeof (source as Partial<PushableSource>).close === 'function';

export interface SseFeedOptions {
  /** What yoga's maskedErrors does to an error before a client sees it. */
  readonly maskError: (error: unknown, message: string) => Error;
  /** A comment line goes out this often so proxies keep the stream open. Default 12 s, as yoga. */
  readonly pingMs?: number;
  /** A subscriber whose unsent frames pass this many bytes is cut off. Default 4 MiB. */
  readonly maxBufferedBytes?: number;
}

const PING = Buffer.from(':\n\n');
const nothing = (): void => undefined;
const COMPLETE = Buffer.from('event: complete\ndata:\n\n');
const HEADERS = {
  'Content-Type': 'text/event-stream',
  Connection: 'keep-alive',
  'Cache-Control': 'no-cache',
  'Content-Encoding': 'none',
};

/** What clients see of an error: its JSON, without the extensions yoga keeps to itself. */
const forClients = (error: GraphQLError) => {
  const { http: _http, unexpected: _unexpected, ...extensions } = error.extensions;
  return { ...error.toJSON(), extensions };
};

/** One frame per result object: a result shared by many subscribers is serialised once. */
const frames = new WeakMap<ExecutionResult, Buffer>();
const frameOf = (result: ExecutionResult): Buffer => {
  let frame = frames.get(result);
  if (!frame) {
    const { http: _http, ...extensions } = (result.extensions ?? {}) as Record<string, unknown>;
    const wire = {
      ...(result.errors ? { errors: result.errors.map(forClients) } : {}),
      ...('data' in result ? { data: result.data } : {}),
      ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
    };
    frame = Buffer.from(`event: next\ndata: ${JSON.stringify(wire)}\n\n`);
    frames.set(result, frame);
  }
  return frame;
};

/**
 * Subscriptions over SSE (yoga's "distinct connections" wire format: `event:
 * next` frames, then `event: complete`), written from shared, pre-serialised
 * frames. yoga's own SSE processor serialises every result for every
 * subscriber and moves each through a web ReadableStream in three chunks;
 * at 10,000 subscribers that, and the garbage it makes, was most of the
 * fan-out's time (docs/PERFORMANCE.md).
 *
 * When the subscription's source is a bus subscription, its items are pushed
 * straight into the response as they are published: execution (shared, see
 * sharedExecution.ts) and masking happen here, per item, instead of through a
 * chain of async iterators per subscriber. Otherwise the results are pulled
 * from yoga's iterator as before. Queries, mutations and other transports
 * (graphql-ws) are untouched.
 */
export const useSseFeed = (options: SseFeedOptions) => {
  const pingMs = options.pingMs ?? 12_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 2 ** 20;
  const shared = new WeakMap<object, SharedSubscription>();

  /** Masked once per result, so a shared result's internal error is logged once, not once per subscriber. */
  const maskedResults = new WeakMap<ExecutionResult, ExecutionResult>();
  const maskedError = (error: unknown): GraphQLError => {
    const replaced = options.maskError(error, 'Unexpected error.');
    return replaced instanceof GraphQLError ? replaced : new GraphQLError(replaced.message);
  };
  const masked = (result: ExecutionResult): ExecutionResult => {
    if (!result.errors) return result;
    let replaced = maskedResults.get(result);
    if (!replaced) maskedResults.set(result, (replaced = { ...result, errors: result.errors.map(maskedError) }));
    return replaced;
  };

  /**
   * A response body that starts with a ping and pings while open; `onRead`
   * when it wants more, `onClose` when it is gone (the client left, or it
   * ended). It is never destroyed with an error: piped into the response, an
   * error would be thrown with no one to catch it.
   */
  const openStream = (response: ServerResponse | undefined, onRead: () => void, onClose: () => void) => {
    const body = new Readable({
      read: onRead,
      destroy(_error, callback) {
        clearInterval(ping);
        onClose();
        callback(null);
      },
    });
    body.push(PING);
    const ping = setInterval(() => {
      if (body.readableLength === 0) body.push(PING);
    }, pingMs);
    const stream = {
      body,
      send(frame: Buffer): void {
        if (body.destroyed || body.readableEnded) return;
        if (body.readableLength > maxBufferedBytes) {
          // Its socket has not taken the last few MiB: drop what is queued and hang up.
          body.destroy();
          response?.destroy();
          return;
        }
        body.push(frame);
      },
      /** Ends the stream: the error first, as a result, then `complete`. */
      end(error?: unknown): void {
        if (error !== undefined) stream.send(frameOf({ errors: [maskedError(error)] }));
        if (body.destroyed || body.readableEnded) return;
        clearInterval(ping);
        body.push(COMPLETE);
        body.push(null);
      },
    };
    return stream;
  };

  const returnQuietly = (iterator: AsyncIterator<unknown>): void => {
    iterator.return?.().catch(nothing);
  };

  const pushed = (
    response: ServerResponse | undefined,
    { source, execute }: { source: PushableSource; execute: SharedSubscription['execute'] },
    results: AsyncIterable<unknown>,
  ): Readable => {
    const stream = openStream(response, nothing, () => {
      source.close();
      // yoga's iterator over this subscription was never pulled; returning it runs its plugins' cleanup.
      returnQuietly(results[Symbol.asyncIterator]());
    });
    source.deliverTo(
      (item) => stream.send(frameOf(masked(execute(item)))),
      (error) => stream.end(error),
    );
    return stream.body;
  };

  const pulled = (response: ServerResponse | undefined, results: AsyncIterable<ExecutionResult>): Readable => {
    const iterator = results[Symbol.asyncIterator]();
    let pulling = false;
    // The body asks again (read) after each frame it takes, while below its high-water mark.
    const pull = (): void => {
      if (pulling) return;
      pulling = true;
      iterator.next().then(
        (step) => {
          pulling = false;
          if (step.done) stream.end();
          else stream.send(frameOf(step.value));
        },
        (error: unknown) => stream.end(error),
      );
    };
    const stream = openStream(response, pull, () => returnQuietly(iterator));
    return stream.body;
  };

  const plugin: Plugin = {
    onResultProcess(payload) {
      const { request, result, resultProcessor } = payload;
      const subscription = shared.get(request);
      // yoga has chosen its SSE processor (the only one it offers for a subscription's stream): take its place.
      if (!subscription || !resultProcessor || !isAsyncIterable(result)) return;
      const response = (payload.serverContext as { res?: ServerResponse }).res;
      payload.setResultProcessor((_result, fetchAPI) => {
        const { source, execute } = subscription;
        const body = isPushable(source)
          ? pushed(response, { source, execute }, result)
          : pulled(response, result as AsyncIterable<ExecutionResult>);
        return new fetchAPI.Response(body as unknown as BodyInit, { status: 200, headers: HEADERS });
      }, 'text/event-stream');
    },
  };

  return {
    plugin,
    /** Give it to useSharedSubscriptionExecution: remembers each SSE request's subscription. */
    onShared: (context: unknown, subscription: SharedSubscription): void => {
      const request = (context as { request?: Request }).request;
      if (request) shared.set(request, subscription);
    },
  };
};
