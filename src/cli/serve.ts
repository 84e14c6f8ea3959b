import { describeEventStore, isWildcardHost, serve, StartupError, type SpillwayConfig } from '../runtime/index.ts';

/**
 * `spillway serve`: the engine and its API until SIGTERM or SIGINT, then a
 * clean stop (requests refused, mailboxes drained, stores closed), exit 0.
 * A start that fails prints one line saying what to do and exits 1.
 */
export const runServe = async (config: SpillwayConfig): Promise<void> => {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (config.api.developmentSecret) {
    log('WARNING: SPILLWAY_JWT_SECRET is not set: tokens are signed with the built-in DEVELOPMENT secret.');
    log('WARNING: anyone can mint tokens for this server. Set SPILLWAY_JWT_SECRET before exposing it.');
  }
  const running = await serve(config, {
    onInternalError: (error, requestId) =>
      log(
        `internal error (reference ${requestId}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      ),
  }).catch((error: unknown) => {
    // One line and out: whatever a failed start left behind (a worker, a socket) must not keep the process.
    const line = error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
    log(`spillway: ${error instanceof StartupError ? '' : 'could not start: '}${line}`);
    process.exit(1);
  });
  if (running.cluster && config.cluster.internalUrl === undefined && isWildcardHost(config.api.host)) {
    log(
      `WARNING: HOST ${config.api.host} is no address another host can dial: this node takes forwarded commands at ${running.cluster.node.address}, which only nodes on this host reach. Set SPILLWAY_INTERNAL_URL=http://ADDRESS:PORT (with SPILLWAY_INTERNAL_PORT) when nodes run on several hosts.`,
    );
  }
  process.stdout.write(
    [
      `spillway serving`,
      `  API:       ${running.url}  (POST queries and mutations; SSE and WebSocket subscriptions)`,
      `  GraphiQL:  ${running.url}  (open it in a browser)`,
      `  dashboard: ${running.url.replace(/\/graphql$/, '/')}  (live rooms, overflow trees, listeners over time)`,
      `  events:    ${describeEventStore(config.eventStore)}`,
      `  feed:      ${running.feed.kind === 'redis' ? `Redis at ${config.redisUrl}` : 'in-process'}`,
      `  sessions:  ${running.schedulerReason}`,
      `  cluster:   ${running.cluster ? `node ${running.cluster.node.id} takes forwarded commands at ${running.cluster.node.address}` : 'off (EventStoreDB without REDIS_URL: every node decides for itself)'}`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: stopping (no new requests; draining commands)…`);
      void running.stop().then(resolve, (error: unknown) => {
        log(`error while stopping: ${String(error)}`);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log('stopped.');
};
