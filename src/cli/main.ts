import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../runtime/index.ts';
import { runEventStoreDemo } from './demoEventStore.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const HELP = `spillway ${pkg.version} — event-sourced orchestration for live audio rooms

Usage:
  spillway demo [eventstore] [--listeners N] [--batch N] [--data DIR] [--quiet]
      A headliner's room fills: N listeners admitted in group-committed
      batches into the event store while a live subscriber follows the log.
  spillway --help | --version

Environment:
  SPILLWAY_DATA     folder of the embedded SQLite event store (default ./data)
  EVENTSTORE_URL    use EventStoreDB/KurrentDB instead (esdb://host:2113?tls=false)
`;

/** A command-line mistake: printed as one line, exit code 2. */
class UsageError extends Error {}

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
      batch: { type: 'string' },
      data: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const [command, sub] = positionals;
  if (values.version) return void process.stdout.write(`${pkg.version}\n`);
  if (values.help || command === undefined || command === 'help') return void process.stdout.write(HELP);
  switch (command) {
    case 'demo': {
      if (sub !== undefined && sub !== 'eventstore')
        throw new UsageError(`Unknown demo "${sub}"; try: spillway demo eventstore.`);
      const config = loadConfig({ dataDir: values.data });
      await runEventStoreDemo(config, {
        listeners: positiveInt('listeners', values.listeners, 20_000),
        batch: positiveInt('batch', values.batch, 100),
        quiet: values.quiet ?? !process.stdout.isTTY,
      });
      return;
    }
    default:
      throw new UsageError(`Unknown command "${command}"; run spillway --help.`);
  }
};

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    process.stderr.write(`spillway: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`spillway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
