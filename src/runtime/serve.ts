import { createSpawnWindowWakeUps, type SpawnWindowWakeUps } from '../commands/index.ts';
import { createApiServer, createRateLimiter, type FeedBus } from '../graphql/index.ts';
import type { MediaPlane, MediaSignaling } from '../media/index.ts';
import type { SessionScheduler, WarmHook } from '../scheduling/index.ts';
import { pino, type Logger } from 'pino';
import type { SpillwayConfig } from './config.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { openEngine, type Engine } from './engine.ts';
import { openFeedBus } from './feed.ts';
import { renderOfflineGraphiQL } from './graphiql.ts';
import { openMedia } from './media.ts';
import type { MediaCluster } from './mediaCluster.ts';
import { createMetrics } from './metrics.ts';
import { operatorRoutes } from './operatorRoutes.ts';
import { startSessions } from './sessions.ts';
import { checkBeforeStart, startOrUndo, type StartupUndo } from './startup.ts';

export interface RunningServer {
  readonly url: string;
  readonly engine: Engine;
  readonly feed: FeedBus;
  readonly scheduler: SessionScheduler;
  /** The embedded media node's plane (SPILLWAY_MEDIA=on), naming rooms and users by their own ids. */
  readonly media: MediaPlane | undefined;
  /** Client signaling, relayed to the media node of each room (the embedded one, or those on other hosts). */
  readonly signaling: MediaSignaling | undefined;
  /** Family ownership across nodes (undefined on an EventStoreDB log without Redis). */
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
  /**
   * What a session's prewarm waits for once its family is shaped. Default:
   * the read models reach the prewarm's events and every live media node
   * (the embedded one, or those on other hosts) has reconciled a share of
   * that position, so the warm rooms' routers exist.
   */
  readonly warm?: WarmHook;
}

/**
 * The composition root: opens each part, wires them together, starts them,
 * and stops them in reverse. A start that fails closes what it had opened and
 * rejects with a one-line StartupError where the cause is known.
 */
export const serve = (config: SpillwayConfig, options: ServeOptions = {}): Promise<RunningServer> =>
  startOrUndo(config, (startup) => start(config, options, startup));

const start = async (config: SpillwayConfig, options: ServeOptions, startup: StartupUndo): Promise<RunningServer> => {
  const lock = await checkBeforeStart(config, startup);
  const logger = options.logger ?? pino({ name: 'spillway' }, pino.destination(2));
  const metrics = createMetrics({
    readModels: () => engine.readModels,
    heldRooms: () => engine.commands.held(),
    media: () => media,
  });
  // Media and the queues' wake-ups are made once the engine exists; its batches and turns reach them from then on.
  const late: { cluster?: MediaCluster; wakeUps?: SpawnWindowWakeUps } = {};
  const engine = startup.opened(
    openEngine(config, {
      commands: {
        // With family ownership a conflict means another node wrote: the ownership asks the leases
        // again (the fence) rather than the mailbox reloading and deciding as a node that lost the family.
        ...(config.eventStore.kind === 'eventstoredb' && !config.redisUrl ? {} : { maxRetries: 1 }),
        onTurn: (familyId, state) => late.wakeUps?.observe(familyId, state),
      },
      onBatch: (events) => {
        metrics.onBatch(events);
        late.cluster?.onBatch(events);
      },
    }),
    (opened) => opened.close(),
  );
  const feed = startup.opened(await openFeedBus(config, engine.readModels.feed, metrics, logger), (bus) => bus.close());
  const cluster = await startCluster(config, engine, (error) => options.onInternalError?.(error, 'internal-channel'));
  if (cluster) startup.opened(cluster, (opened) => opened.close());
  const mediaWarmed: WarmHook = async (_roomId, _expectedAudience, position) => {
    if (position >= 0n) await engine.readModels.waitFor(position);
    // The warm rooms' routers exist once every live media node reconciled a share of that position.
    if (position >= 0n) await late.cluster?.settled(position);
  };
  // Every room command, from the API or a session's job, goes through the family's owner.
  const commands = cluster?.commands ?? engine.commands;
  // A queue waiting on its spawn window is woken when the window passes, through the family's owner.
  const wakeUps = startup.opened(
    createSpawnWindowWakeUps({
      send: (command) => commands.send(command),
      onError: (error, familyId) => logger.warn({ err: error, familyId }, 'waking a waiting room'),
    }),
    (opened) => opened.close(),
  );
  late.wakeUps = wakeUps;
  const { cluster: mediaCluster, node: mediaNode } = await openMedia(
    config,
    {
      engine,
      grantSeats: (command) => commands.send(command),
      onError: (error, what) => logger.warn({ err: error, what }, 'media cluster'),
    },
    startup,
  );
  const media = mediaNode?.plane;
  late.cluster = mediaCluster;
  const sessions = startup.opened(
    await startSessions({ ...engine, commands }, config, options.warm ?? mediaWarmed, logger),
    (started) => started.scheduler.close(),
  );
  await engine.readModels.waitFor(await engine.store.headPosition(), 600_000);
  await sessions.resync();
  // Timers do not survive a restart: each waiting family's next turn arms its wake-up again.
  wakeUps.wake(engine.readModels.waitingFamilies());
  const perSecond = options.mutationsPerSecond ?? 50;
  const operators = operatorRoutes(logger, metrics);
  const api = createApiServer({
    services: {
      commands,
      readModels: engine.readModels,
      feed,
      rateLimiter: createRateLimiter(perSecond, perSecond * 4),
      sessions: { service: sessions.service, failedJobs: () => sessions.scheduler.failedJobs() },
      media: mediaCluster?.media,
      observeAdmission: (seconds) => metrics.observeAdmission(seconds),
      now: () => new Date(),
      roomLimits: config.api.roomLimits,
      queueCapacity: config.api.queueCapacity,
    },
    introspection: config.api.introspection,
    trustedDocumentsOnly: config.api.trustedDocumentsOnly,
    corsOrigins: config.api.corsOrigins,
    auth: { secret: config.api.jwtSecret, ...(config.api.jwksUrl ? { jwksUrl: config.api.jwksUrl } : {}) },
    host: config.api.host,
    port: config.api.port,
    renderGraphiQL: renderOfflineGraphiQL,
    onInternalError: (error, requestId) => {
      logger.error({ err: error, requestId }, 'internal error');
      options.onInternalError?.(error, requestId);
    },
    // Media nodes' heartbeats (two a second each) are answered before the access log.
    routes:
      config.mediaCluster && mediaCluster
        ? async (request, response) => (await mediaCluster.route(request, response)) || operators(request, response)
        : operators,
  });
  const url = await api.listen();
  lock.served(url);
  mediaCluster?.start();
  logger.info({ url, scheduler: sessions.reason, feed: feed.kind, media: Boolean(media) }, 'serving');
  const { scheduler, reason: schedulerReason } = sessions;
  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    wakeUps.close();
    await mediaCluster?.stop();
    // The embedded node's leaving is recorded while the log is open.
    await mediaNode?.close();
    await api.close();
    await cluster?.close();
    await scheduler.close();
    await feed.close();
    await engine.close();
    lock.release();
  };
  const signaling = mediaCluster?.media;
  return {
    url,
    engine,
    feed,
    scheduler,
    schedulerReason,
    media,
    signaling,
    cluster,
    stop: () => (stopping ??= stop()),
  };
};
