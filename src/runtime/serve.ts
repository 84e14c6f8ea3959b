import { createApiServer, createRateLimiter, inProcessFeedBus, redisFeedBus, type FeedBus } from '../graphql/index.ts';
import { createMediasoupMediaPlane, type MediaPlane } from '../media/index.ts';
import { randomUUID } from 'node:crypto';
import {
  chooseScheduler,
  createSessionCommands,
  createSessionJobHandlers,
  createSessionService,
  type SessionScheduler,
} from '../scheduling/index.ts';
import { pino, type Logger } from 'pino';
import type { SpillwayConfig } from './config.ts';
import { createMetrics } from './metrics.ts';
import { dashboardRoutes } from './dashboard.ts';
import { openEngine, type Engine } from './engine.ts';
import { startCluster, type Cluster } from './cluster.ts';

export interface RunningServer {
  readonly url: string;
  readonly engine: Engine;
  readonly feed: FeedBus;
  readonly scheduler: SessionScheduler;
  readonly media: MediaPlane | undefined;
  /** Family ownership across nodes (undefined on an EventStoreDB log). */
  readonly cluster: Cluster | undefined;
  /** Which scheduler runs the sessions' jobs, and why. */
  readonly schedulerReason: string;
  /** Stops taking requests, drains the command mailboxes, closes everything. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Mutations per second per user (burst 4× that). Default 50. */
  readonly mutationsPerSecond?: number;
  readonly onInternalError?: (error: unknown, requestId: string) => void;
  /** Structured JSON logs (pino); default: info level to stderr. */
  readonly logger?: Logger;
  /** Told when a session's prewarm runs: media warms routers for the expected audience. */
  readonly warm?: (roomId: string, expectedAudience: number) => Promise<void>;
}

/** Starts the engine and its API on the configured host and port. */
export const serve = async (config: SpillwayConfig, options: ServeOptions = {}): Promise<RunningServer> => {
  // Media follows the capacity plans: after any batch of room events, the
  // reconciler (one run at a time, coalesced) makes routers and pipes match.
  const media = config.media.enabled
    ? await createMediasoupMediaPlane({
        listenIp: config.media.listenIp,
        ...(config.media.announcedAddress ? { announcedAddress: config.media.announcedAddress } : {}),
        ...(config.media.workers ? { workers: config.media.workers } : {}),
      })
    : undefined;
  let reconciling: Promise<unknown> = Promise.resolve();
  let reconcileDue = false;
  const reconcileSoon = (): void => {
    if (!media || reconcileDue) return;
    reconcileDue = true;
    reconciling = reconciling
      .then(() => new Promise((resolve) => setTimeout(resolve, 50)))
      .then(() => {
        reconcileDue = false;
        return media.closed ? undefined : media.reconcile(engine.readModels.capacityPlans());
      })
      .catch((error: unknown) => options.onInternalError?.(error, 'media-reconcile'));
  };
  const logger = options.logger ?? pino({ name: 'spillway' }, pino.destination(2));
  const metrics = createMetrics({ readModels: () => engine.readModels, media: () => media });
  const engine = openEngine(config, {
    // With family ownership a conflict means another node wrote: the ownership asks the leases
    // again (the fence) rather than the mailbox reloading and deciding as a node that lost the family.
    ...(config.eventStore.kind === 'eventstoredb' && !config.redisUrl ? {} : { commands: { maxRetries: 1 } }),
    onBatch: (events) => {
      metrics.onBatch(events);
      if (events.some((e) => e.streamId.startsWith('room-'))) reconcileSoon();
    },
  });
  media?.observer.on('workerReplaced', () => reconcileSoon());
  const cluster = await startCluster(config, engine, (error) => options.onInternalError?.(error, 'internal-channel'));
  const commands = cluster?.commands ?? engine.commands;
  const feed = config.redisUrl
    ? await redisFeedBus(config.redisUrl, engine.readModels.feed)
    : inProcessFeedBus(engine.readModels.feed);
  // Sessions: their jobs run on BullMQ when Redis answers, else on timers; at
  // start every pending session's jobs are made again from the schedule, so a
  // Redis that lost its data heals.
  const sessions = createSessionCommands(engine.store);
  const handlers = createSessionJobHandlers({
    sessions,
    rooms: commands,
    warm: options.warm ?? (async () => undefined),
  });
  const { scheduler, reason } = await chooseScheduler({
    handlers,
    redisUrl: config.redisUrl,
    bullmq: { queueName: config.schedulerQueue },
  });
  await engine.readModels.waitFor(await engine.store.headPosition(), 600_000);
  await scheduler.resync(engine.readModels.schedule.pending());
  reconcileSoon();
  const perSecond = options.mutationsPerSecond ?? 50;
  const api = createApiServer({
    services: {
      commands,
      readModels: engine.readModels,
      feed,
      rateLimiter: createRateLimiter(perSecond, perSecond * 4),
      sessions: {
        service: createSessionService({ sessions, scheduler }),
        failedJobs: () => scheduler.failedJobs(),
      },
      media,
      observeAdmission: (seconds) => metrics.observeAdmission(seconds),
      now: () => new Date(),
    },
    auth: { secret: config.api.jwtSecret, ...(config.api.jwksUrl ? { jwksUrl: config.api.jwksUrl } : {}) },
    host: config.api.host,
    port: config.api.port,
    onInternalError: (error, requestId) => {
      logger.error({ err: error, requestId }, 'internal error');
      options.onInternalError?.(error, requestId);
    },
    routes: async (request, response) => {
      const started = performance.now();
      const requestId = request.headers['x-request-id'] ?? randomUUID();
      response.once('finish', () =>
        logger.info(
          {
            requestId,
            method: request.method,
            url: request.url,
            status: response.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'request',
        ),
      );
      if (dashboardRoutes(request, response)) return true;
      if (request.method === 'GET' && request.url === '/metrics') {
        const { contentType, body } = await metrics.render();
        response.writeHead(200, { 'content-type': contentType });
        response.end(body);
        return true;
      }
      return false;
    },
  });
  const url = await api.listen();
  logger.info({ url, scheduler: reason, feed: feed.kind, media: Boolean(media) }, 'serving');
  let stopping: Promise<void> | undefined;
  return {
    url,
    engine,
    feed,
    scheduler,
    schedulerReason: reason,
    media,
    cluster,
    stop: () =>
      (stopping ??= (async () => {
        await api.close();
        await cluster?.close();
        await scheduler.close();
        await feed.close();
        await reconciling;
        media?.close();
        await engine.close();
      })()),
  };
};
