import { resolve } from 'node:path';

/** Where the log lives: the embedded SQLite file, or an EventStoreDB/KurrentDB server. */
export type EventStoreConfig =
  { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'eventstoredb'; readonly url: string };

export interface SpillwayConfig {
  readonly dataDir: string;
  readonly eventStore: EventStoreConfig;
  /** The SQLite file of the read models (and, for the embedded store, snapshots live in the log's file). */
  readonly readModelsFile: string;
}

/** A configuration value that is wrong; the message names the setting and what it accepts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

export interface ConfigInput {
  readonly dataDir?: string | undefined;
  readonly eventStoreUrl?: string | undefined;
}

/**
 * Reads and checks the configuration: flags first, then the environment
 * (`SPILLWAY_DATA`, `EVENTSTORE_URL`), then the embedded defaults.
 */
export const loadConfig = (input: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): SpillwayConfig => {
  const problems: string[] = [];
  const dataDir = resolve(input.dataDir ?? env.SPILLWAY_DATA ?? 'data');
  const url = input.eventStoreUrl ?? env.EVENTSTORE_URL;
  let eventStore: EventStoreConfig = { kind: 'sqlite', file: resolve(dataDir, 'spillway.db') };
  if (url !== undefined && url !== '') {
    if (!/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\/.+/.test(url)) {
      problems.push(
        `EVENTSTORE_URL "${url}" is not an EventStoreDB connection string: use esdb://host:2113?tls=false or kurrentdb://host:2113.`,
      );
    } else {
      eventStore = { kind: 'eventstoredb', url };
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { dataDir, eventStore, readModelsFile: resolve(dataDir, 'read-models.db') };
};
