import { createServer } from 'node:net';
import { EventStoreUnavailableError } from '../eventstore/index.ts';
import { pingRedis, RedisUnreachableError } from '../scheduling/index.ts';
import type { SpillwayConfig } from './config.ts';
import { DataFolderLockedError, lockDataFolder } from './dataLock.ts';
import { describeEventStore, openEventStore } from './openEventStore.ts';

/** Why `serve` could not start: one line that says what to do. Nothing it had opened is left running. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    readonly code:
      'PORT_IN_USE' | 'PORT_NOT_ALLOWED' | 'STORE_UNREACHABLE' | 'REDIS_UNREACHABLE' | 'DATA_UNUSABLE' | 'DATA_LOCKED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const portAdvice = 'choose another with --port N, or PORT=N with npm start (e.g. PORT=4001 npm start)';

/** The one-line StartupError for an error met while starting, or the error itself when it is not a known kind. */
export const startupFailure = (error: unknown, config: SpillwayConfig): unknown => {
  if (error instanceof StartupError) return error;
  if (error instanceof DataFolderLockedError) return new StartupError('DATA_LOCKED', error.message, { cause: error });
  const { host, port } = config.api;
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  if (code === 'EADDRINUSE')
    return new StartupError('PORT_IN_USE', `port ${port} on ${host} is already in use: ${portAdvice}.`, {
      cause: error,
    });
  const path = error instanceof Error && 'path' in error ? String(error.path) : undefined;
  if (path !== undefined && error instanceof Error)
    return new StartupError(
      'DATA_UNUSABLE',
      `cannot use ${path} (${error.message}): choose a folder this user can write with --data or SPILLWAY_DATA.`,
      { cause: error },
    );
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
    return new StartupError(
      'PORT_NOT_ALLOWED',
      `cannot listen on ${host}:${port} (${code}): ${code === 'EACCES' ? 'ports below 1024 need privileges' : 'that address is not this host’s'}; ${portAdvice}, or set HOST.`,
      { cause: error },
    );
  if (error instanceof RedisUnreachableError)
    return new StartupError('REDIS_UNREACHABLE', error.message, { cause: error });
  if (error instanceof EventStoreUnavailableError || code === 'SQLITE_CANTOPEN' || code === 'ECONNREFUSED')
    return new StartupError(
      'STORE_UNREACHABLE',
      `cannot reach the event store (${describeEventStore(config.eventStore)}): ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}; start it, or fix --data / SPILLWAY_EVENTS / SPILLWAY_EVENTS_URL / EVENTSTORE_URL.`,
      { cause: error },
    );
  return error;
};

/**
 * Refuses early when the API's port is taken, before workers and stores are
 * started (the real listen comes last, after catch-up). Port 0 is always free.
 */
export const checkPortFree = async (host: string, port: number): Promise<void> => {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
};

/** Reads the log's head once, so an unreachable store is refused before anything follows it. */
export const checkStoreReachable = async (config: SpillwayConfig): Promise<void> => {
  const store = openEventStore(config.eventStore);
  try {
    await store.headPosition();
  } finally {
    await store.close();
  }
};

/**
 * What is checked before anything starts, fastest first, so a start that
 * cannot work says so in a second: the port, the data folder (taken for this
 * process; the lock is what it returns), the store, Redis when set.
 */
export const checkBeforeStart = async (config: SpillwayConfig, startup: StartupUndo) => {
  await checkPortFree(config.api.host, config.api.port);
  const lock = startup.opened(lockDataFolder(config.dataDir), (taken) => taken.release());
  await checkStoreReachable(config);
  if (config.redisUrl !== undefined && !(await pingRedis(config.redisUrl, 1000)))
    throw new RedisUnreachableError(config.redisUrl);
  return lock;
};

/** Runs `start`; if it fails, closes what it opened and rejects with the one-line StartupError where known. */
export const startOrUndo = async <T>(
  config: SpillwayConfig,
  start: (startup: StartupUndo) => Promise<T>,
): Promise<T> => {
  const startup = createStartupUndo();
  try {
    return await start(startup);
  } catch (error) {
    await startup.undo();
    throw startupFailure(error, config);
  }
};

/** What a start opened so far, closed newest first if the start fails half-way. */
export const createStartupUndo = () => {
  const closers: Array<() => unknown> = [];
  return {
    /** Remembers how to close what was just opened; returns it. */
    opened<T>(thing: T, close: (thing: T) => unknown): T {
      closers.push(() => close(thing));
      return thing;
    },
    async undo(): Promise<void> {
      for (const close of closers.reverse())
        await Promise.resolve()
          .then(close)
          .catch(() => undefined);
    },
  };
};

export type StartupUndo = ReturnType<typeof createStartupUndo>;
