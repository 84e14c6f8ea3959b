import { createApiServer, createRateLimiter, inProcessFeedBus, redisFeedBus, type FeedBus } from '../graphql/index.ts';
import type { SpillwayConfig } from './config.ts';
import { openEngine, type Engine } from './engine.ts';

export interface RunningServer {
  readonly url: string;
  readonly engine: Engine;
  readonly feed: FeedBus;
  /** Stops taking requests, drains the command mailboxes, closes everything. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Mutations per second per user (burst 4× that). Default 50. */
  readonly mutationsPerSecond?: number;
  readonly onInternalError?: (error: unknown, requestId: string) => void;
}

/** Starts the engine and its API on the configured host and port. */
export const serve = async (config: SpillwayConfig, options: ServeOptions = {}): Promise<RunningServer> => {
  const engine = openEngine(config);
  const feed = config.redisUrl
    ? await redisFeedBus(config.redisUrl, engine.readModels.feed)
    : inProcessFeedBus(engine.readModels.feed);
  const perSecond = options.mutationsPerSecond ?? 50;
  const api = createApiServer({
    services: {
      commands: engine.commands,
      readModels: engine.readModels,
      feed,
      rateLimiter: createRateLimiter(perSecond, perSecond * 4),
      now: () => new Date(),
    },
    auth: { secret: config.api.jwtSecret, ...(config.api.jwksUrl ? { jwksUrl: config.api.jwksUrl } : {}) },
    host: config.api.host,
    port: config.api.port,
    onInternalError: options.onInternalError,
  });
  const url = await api.listen();
  let stopping: Promise<void> | undefined;
  return {
    url,
    engine,
    feed,
    stop: () =>
      (stopping ??= (async () => {
        await api.close();
        await feed.close();
        await engine.close();
      })()),
  };
};
