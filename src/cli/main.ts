import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../runtime/index.ts';
import { runSurgeDemo } from './demoSurge.ts';
import { runHttpSurgeDemo } from './demo/surgeOverHttp.ts';
import { parseFlags, positiveInt, type FlagSpec, type ParsedFlags } from './flags.ts';
import { COMMAND_HELP, globalHelp, type HelpTopic } from './help.ts';
import { runMediaNode } from './mediaNode.ts';
import { networkProblem } from './networkProblem.ts';
import { runReplay } from './replay.ts';
import { runServe } from './serve.ts';
import { runToken } from './token.ts';
import { UsageError } from './usageError.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

interface Command<S extends FlagSpec> {
  readonly flags: S;
  /** Which help `--help` prints, given the positionals. */
  readonly topic?: (positionals: readonly string[]) => HelpTopic;
  run(flags: ParsedFlags<S>, positionals: readonly string[]): Promise<void>;
}
const command = <S extends FlagSpec>(c: Command<S>): Command<S> => c;

const noPositionals = (name: string, positionals: readonly string[]): void => {
  if (positionals.length > 0)
    throw new UsageError(`spillway ${name} takes flags, not "${positionals[0]}"; run spillway ${name} --help.`);
};

const SCENARIOS = ['surge'];

const COMMANDS = {
  serve: command({
    flags: {
      port: 'value',
      host: 'value',
      data: 'value',
      'events-file': 'value',
      'events-url': 'value',
      production: 'switch',
    },
    async run(flags, positionals) {
      noPositionals('serve', positionals);
      await runServe(
        loadConfig({
          dataDir: flags.data,
          eventsFile: flags['events-file'],
          eventsUrl: flags['events-url'],
          port: flags.port,
          host: flags.host,
          production: flags.production,
        }),
      );
    },
  }),
  token: command({
    flags: { user: 'value', role: 'list', data: 'value', 'expires-in': 'value' },
    async run(flags, positionals) {
      noPositionals('token', positionals);
      await runToken(loadConfig({ dataDir: flags.data }), flags.user, flags.role, flags['expires-in']);
    },
  }),
  demo: command({
    flags: {
      listeners: 'value',
      capacity: 'value',
      clients: 'value',
      speakers: 'value',
      rate: 'value',
      rooms: 'value',
      leave: 'value',
      url: 'value',
      port: 'value',
      out: 'value',
      data: 'value',
      'in-process': 'switch',
    },
    topic: ([scenario]) => (scenario === 'surge' ? 'demo surge' : 'demo'),
    async run(flags, [scenario, ...rest]) {
      if (scenario === undefined) {
        // Nothing runs unasked: the 20,000-listener surge is a choice, not a default.
        process.stderr.write(`spillway demo: choose a scenario.\n\n${COMMAND_HELP.demo}`);
        process.exitCode = 2;
        return;
      }
      if (!SCENARIOS.includes(scenario))
        throw new UsageError(`Unknown demo "${scenario}"; the scenarios are: ${SCENARIOS.join(', ')}.`);
      noPositionals('demo surge', rest);
      const listeners = positiveInt('listeners', flags.listeners, 20_000);
      const capacity = positiveInt('capacity', flags.capacity, 5000);
      const clients = positiveInt('clients', flags.clients, 256);
      const speakers = positiveInt('speakers', flags.speakers, 3);
      const rate = flags.rate === undefined ? undefined : positiveInt('rate', flags.rate, 1);
      const rooms = flags.rooms === undefined ? undefined : positiveInt('rooms', flags.rooms, 1);
      const leave = flags.leave === undefined ? 0 : positiveInt('leave', flags.leave, 1);
      if (flags.url !== undefined && !/^https?:\/\/\S+\/graphql$/.test(flags.url)) {
        throw new UsageError(
          `--url must be the API's GraphQL URL, such as http://127.0.0.1:4000/graphql, not "${flags.url}".`,
        );
      }
      if (flags.url !== undefined && flags.port !== undefined)
        throw new UsageError('--port sets where the demo starts its own server; with --url it drives that one.');
      // The config's port is the demo's own server's: a free one unless --port says.
      const config = loadConfig({ dataDir: flags.data, port: flags.port ?? '0' });
      if (flags['in-process']) return runSurgeDemo(config, { listeners, capacity, clients });
      await runHttpSurgeDemo(config, {
        listeners,
        capacity,
        clients,
        speakers,
        rate,
        rooms,
        leave,
        url: flags.url,
        out: flags.out,
      });
    },
  }),
  replay: command({
    flags: { data: 'value', events: 'value', analytics: 'value', format: 'value', until: 'value', out: 'value' },
    async run(flags, positionals) {
      noPositionals('replay', positionals);
      await runReplay(loadConfig({ dataDir: flags.data }), flags);
    },
  }),
  'media-node': command({
    flags: {
      api: 'list',
      listen: 'value',
      announce: 'value',
      'node-id': 'value',
      workers: 'value',
      'listeners-per-worker': 'value',
      'control-port': 'value',
      audit: 'value',
    },
    async run(flags, positionals) {
      noPositionals('media-node', positionals);
      await runMediaNode(flags);
    },
  }),
} as const;
type CommandName = keyof typeof COMMANDS;
const isCommand = (name: string | undefined): name is CommandName =>
  name !== undefined && Object.hasOwn(COMMANDS, name);

const main = async (argv: readonly string[]): Promise<void> => {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') return void process.stdout.write(`${pkg.version}\n`);
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    return void process.stdout.write(isCommand(topic) ? COMMAND_HELP[topic] : globalHelp(pkg.version));
  }
  if (!isCommand(first)) {
    throw new UsageError(
      first.startsWith('-')
        ? `Give the command first, as in spillway serve ${first}; run spillway --help.`
        : `Unknown command "${first}"; run spillway --help.`,
    );
  }
  const chosen = COMMANDS[first] as Command<FlagSpec>;
  const { flags, positionals, help } = parseFlags(first, rest, chosen.flags);
  if (help) return void process.stdout.write(COMMAND_HELP[chosen.topic?.(positionals) ?? first]);
  await chosen.run(flags, positionals);
};

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) process.stderr.write(`spillway: ${problem}\n`);
    process.exitCode = 2;
    return;
  }
  if (error instanceof Error && 'code' in error && error.code === 'EVENT_STORE_UNAVAILABLE') {
    process.stderr.write(`spillway: ${error.message}
`);
    process.exitCode = 1;
    return;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`spillway: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const unreachable = networkProblem(error);
  if (unreachable) {
    process.stderr.write(`spillway: ${unreachable}\n`);
    process.exitCode = 1;
    return;
  }
  process.stderr.write(`spillway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
