// The machine's PostgreSQL for tests: a fresh schema per test file, dropped after.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The shared server's test database (CI starts it; see .ci/run). */
export const POSTGRES_URL = process.env.SPILLWAY_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  readonly name: string;
  /** The connection string with `?schema=` set, as SPILLWAY_EVENTS_URL takes it. */
  readonly url: string;
  drop(): Promise<void>;
}

/** A schema no other test uses; `drop()` removes it and everything in it. */
export const freshSchema = (label: string, baseUrl = POSTGRES_URL): TestSchema => {
  const name = `spillway_${label}_${randomBytes(6).toString('hex')}`;
  return {
    name,
    url: `${baseUrl}?schema=${name}`,
    drop: async () => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
};
