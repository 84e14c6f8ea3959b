import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../runtime/index.ts';
import { runSurgeDemo } from './demoSurge.ts';
import { runHttpSurgeDemo } from './demo/surgeOverHttp.ts';
import { runReplay } from './replay.ts';
import { runServe } from './serve.ts';
import { runToken } from './token.ts';
import { UsageError } from './usageError.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const HELP = `spillway ${pkg.version} — event-sourced orchestration for live audio rooms

Usage:
  spillway serve [--port N] [--host H] [--data DIR] [--events-file FILE] [--events-url URL]
      The engine and its GraphQL API (queries, mutations, SSE and WebSocket
      subscriptions) at http://HOST:PORT/graphql. SIGTERM stops it cleanly.
  spillway token --user NAME [--role listener|producer|analyst ...]
      Prints a development token (signed with SPILLWAY_JWT_SECRET).
  spillway demo surge [--listeners N] [--capacity N] [--speakers N] [--rate N] [--clients N]
                     [--url URL] [--out DIR] [--data DIR] [--in-process]
      A famous-guest surge end to end: a producer schedules a headliner a few
      seconds ahead (prewarm runs), the room opens, the headliner arrives, and
      N listeners (default 20,000) join over the GraphQL API (a server it starts,
      or --url) into a room of capacity N (default 5,000), spilling into
      overflow rooms; speakers send real RTP and a listener in every room counts
      it. Writes report.json and report.html. --in-process skips HTTP and media.
  spillway replay [--data DIR]
      Rebuilds every read model from zero, with progress (events/s, ETA).
  spillway replay --events ROOM [--format jsonl|csv] [--until ISO] [--out FILE]
      Exports a room's raw events.
  spillway replay --analytics ROOM [--format csv] [--until ISO] [--out FILE]
      Exports a room's per-second timeline: listeners, family listeners, joins, leaves.
  spillway --help | --version

Environment:
  SPILLWAY_DATA        folder of the embedded SQLite event store and read models (default ./data)
  SPILLWAY_EVENTS      the SQLite event store file, when several nodes share one
  SPILLWAY_EVENTS_URL  the log in PostgreSQL instead (postgresql://user@host:5432/db?schema=NAME)
  EVENTSTORE_URL       use EventStoreDB/KurrentDB instead (esdb://host:2113?tls=false)
  PORT, HOST           where serve listens (default 4000 on 127.0.0.1)
  SPILLWAY_JWT_SECRET  HS256 secret for tokens (a development secret without it)
  SPILLWAY_JWKS_URL    verify tokens against a JWKS instead
  REDIS_URL            subscriptions across API nodes through Redis
`;

const positiveInt = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1, not "${value}".`);
  return n;
};

const main = async (argv: string[]): Promise<void> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      listeners: { type: 'string' },
      capacity: { type: 'string' },
      clients: { type: 'string' },
      speakers: { type: 'string' },
      rate: { type: 'string' },
      url: { type: 'string' },
      'in-process': { type: 'boolean' },
      data: { type: 'string' },
      events: { type: 'string' },
      analytics: { type: 'string' },
      format: { type: 'string' },
      until: { type: 'string' },
      out: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'events-file': { type: 'string' },
      'events-url': { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string', multiple: true },
    },
  });
  const [command, sub] = positionals;
  if (values.version) return void process.stdout.write(`${pkg.version}\n`);
  if (values.help || command === undefined || command === 'help') return void process.stdout.write(HELP);
  switch (command) {
    case 'demo': {
      if (sub !== undefined && sub !== 'surge')
        throw new UsageError(`Unknown demo "${sub}"; try: spillway demo surge.`);
      const config = loadConfig({ dataDir: values.data });
      const listeners = positiveInt('listeners', values.listeners, 20_000);
      const capacity = positiveInt('capacity', values.capacity, 5000);
      const clients = positiveInt('clients', values.clients, 256);
      if (values['in-process']) return runSurgeDemo(config, { listeners, capacity, clients });
      if (values.url !== undefined && !/^https?:\/\/\S+\/graphql$/.test(values.url)) {
        throw new UsageError(
          `--url must be the API's GraphQL URL, such as http://127.0.0.1:4000/graphql, not "${values.url}".`,
        );
      }
      await runHttpSurgeDemo(config, {
        listeners,
        capacity,
        clients,
        speakers: positiveInt('speakers', values.speakers, 3),
        rate: values.rate === undefined ? undefined : positiveInt('rate', values.rate, 1),
        url: values.url,
        out: values.out,
      });
      return;
    }
    case 'serve': {
      if (sub !== undefined) throw new UsageError(`serve takes options, not "${sub}"; run spillway --help.`);
      await runServe(
        loadConfig({
          dataDir: values.data,
          eventsFile: values['events-file'],
          eventsUrl: values['events-url'],
          port: values.port,
          host: values.host,
        }),
      );
      return;
    }
    case 'token': {
      await runToken(loadConfig({ dataDir: values.data }), values.user, values.role);
      return;
    }
    case 'replay': {
      if (sub !== undefined) throw new UsageError(`replay takes options, not "${sub}"; run spillway --help.`);
      await runReplay(loadConfig({ dataDir: values.data }), values);
      return;
    }
    default:
      throw new UsageError(`Unknown command "${command}"; run spillway --help.`);
  }
};

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) process.stderr.write(`spillway: ${problem}\n`);
    process.exitCode = 2;
    return;
  }
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    process.stderr.write(`spillway: the port is already in use (${error.message}); choose another with --port.\n`);
    process.exitCode = 2;
    return;
  }
  if (error instanceof Error && 'code' in error && error.code === 'EVENT_STORE_UNAVAILABLE') {
    process.stderr.write(`spillway: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (
    error instanceof UsageError ||
    (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    process.stderr.write(`spillway: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`spillway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
