import { Redis } from 'ioredis';
import { createBullmqScheduler, DEFAULT_REDIS_URL, type BullmqSchedulerOptions } from './bullmqScheduler.ts';
import { createInProcessScheduler, type InProcessSchedulerOptions } from './inProcessScheduler.ts';
import type { SessionJobHandlers, SessionScheduler } from './types.ts';

/** Redis did not answer PING at a REDIS_URL that was set explicitly. */
export class RedisUnreachableError extends Error {
  readonly code = 'REDIS_UNREACHABLE';
  constructor(
    readonly redisUrl: string,
    options?: { cause?: unknown },
  ) {
    super(
      `REDIS_URL is ${redisUrl} but Redis did not answer there; start Redis, fix REDIS_URL, or unset it to run sessions on in-process timers.`,
      options,
    );
  }
  override get name(): string {
    return 'RedisUnreachableError';
  }
}

/** Resolves true when Redis at `url` answers PING within `timeoutMs`; never throws. */
export const pingRedis = async (url: string, timeoutMs = 500): Promise<boolean> => {
  let client: Redis | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    // Inside the try: ioredis throws on a URL it cannot parse.
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client = redis;
    redis.on('error', () => undefined);
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const ping = redis
      .connect()
      .then(() => redis.ping())
      .then((answer) => answer === 'PONG')
      // Settles quietly even when it loses the race and the client is gone.
      .catch(() => false);
    return await Promise.race([ping, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    client?.disconnect();
  }
};

export interface ChooseSchedulerOptions {
  readonly handlers: SessionJobHandlers;
  /** Usually `process.env.REDIS_URL`. Set: BullMQ there, or an error if Redis does not answer. */
  readonly redisUrl?: string | undefined;
  /** Where to look for a Redis when REDIS_URL is not set. Default redis://127.0.0.1:6379. */
  readonly probeUrl?: string;
  /** Default 500 ms. */
  readonly pingTimeoutMs?: number;
  readonly bullmq?: Omit<BullmqSchedulerOptions, 'handlers' | 'redisUrl'>;
  readonly inProcess?: Omit<InProcessSchedulerOptions, 'handlers'>;
}

export interface SchedulerChoice {
  readonly scheduler: SessionScheduler;
  /** A sentence for the start-up log: which one, and why. */
  readonly reason: string;
}

/**
 * Picks the scheduler: BullMQ when REDIS_URL is set (and refuses to start if
 * Redis does not answer there: falling back would run every node's timers
 * apart), else BullMQ on a Redis answering at the default URL, else
 * in-process timers (embedded mode).
 */
export const chooseScheduler = async (options: ChooseSchedulerOptions): Promise<SchedulerChoice> => {
  const timeoutMs = options.pingTimeoutMs ?? 500;
  const explicit = options.redisUrl !== undefined && options.redisUrl.length > 0;
  const redisUrl =
    explicit && options.redisUrl !== undefined ? options.redisUrl : (options.probeUrl ?? DEFAULT_REDIS_URL);
  if (await pingRedis(redisUrl, timeoutMs)) {
    const scheduler = await createBullmqScheduler({ ...options.bullmq, handlers: options.handlers, redisUrl });
    return {
      scheduler,
      reason: explicit
        ? `BullMQ on Redis at REDIS_URL (${redisUrl}).`
        : `BullMQ on Redis at ${redisUrl}: REDIS_URL is not set, but a Redis answered there.`,
    };
  }
  if (explicit) throw new RedisUnreachableError(redisUrl);
  return {
    scheduler: createInProcessScheduler({ ...options.inProcess, handlers: options.handlers }),
    reason: `In-process timers (embedded mode): REDIS_URL is not set and no Redis answered at ${redisUrl} within ${timeoutMs} ms.`,
  };
};
