// A server of its own for one pass of a bench: its SQLite log in a temporary
// folder, its Redis keys (if it finds a Redis) under a namespace of its own,
// both removed when it stops.
import { pino } from 'pino';
import { loadConfig, serve, type RunningServer } from '../src/runtime/index.ts';
import { serverNamespace } from '../test/support/serverNamespace.ts';
import { makeTempDir } from '../test/support/tempDir.ts';

export const SECRET = 'bench-secret-of-sufficient-length';
export const MEDIA_SECRET = 'bench-media-secret-of-sufficient-length';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BenchServer {
  readonly server: RunningServer;
  stop(): Promise<void>;
}

/** Serves on 127.0.0.1 with `env` on top of the bench's secret; joins are not rate-limited. */
export const startBenchServer = async (label: string, env: Record<string, string>): Promise<BenchServer> => {
  const dir = makeTempDir(label);
  const namespace = serverNamespace(label);
  try {
    const config = loadConfig(
      { dataDir: dir.path, port: '0', host: '127.0.0.1' },
      { SPILLWAY_JWT_SECRET: SECRET, ...namespace.env, ...env },
    );
    const server = await serve(config, { mutationsPerSecond: 1e9, logger: pino({ level: 'warn' }) });
    return {
      server,
      async stop() {
        try {
          await server.stop();
        } finally {
          await namespace.remove();
          dir.remove();
        }
      },
    };
  } catch (error) {
    await namespace.remove();
    dir.remove();
    throw error;
  }
};

/** Waits until `check` holds, checking every 20 ms; fails naming `what` after `ms`. */
export const until = async (what: string, check: () => boolean, ms = 60_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};

/** Tries `attempt` until it resolves: media follows the log, so a signaling call may come before its placement. */
export const retrying = async <T>(what: string, attempt: () => Promise<T>, ms = 30_000): Promise<T> => {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (performance.now() > deadline) throw new Error(`${what} kept failing`, { cause: error });
      await sleep(2);
    }
  }
};

/** One GraphQL request over HTTP; fails with the answer's errors. */
export const graphql = async <T>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors || !body.data) throw new Error(`${query}: ${body.errors?.map((e) => e.message).join('; ')}`);
  return body.data;
};
