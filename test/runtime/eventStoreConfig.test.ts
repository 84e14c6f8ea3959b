import { describe, expect, it } from 'vitest';
import { ConfigError, describeEventStore, loadConfig } from '../../src/runtime/index.ts';

const problems = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadConfig({}, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('choosing the log', () => {
  it('SQLite by default; PostgreSQL with SPILLWAY_EVENTS_URL or --events-url', () => {
    expect(loadConfig({}, {}).eventStore.kind).toBe('sqlite');
    const url = 'postgresql://postgres@127.0.0.1:5432/test?schema=prod_a';
    expect(loadConfig({}, { SPILLWAY_EVENTS_URL: url }).eventStore).toEqual({ kind: 'postgres', url });
    expect(loadConfig({ eventsUrl: 'postgres://db/x' }, {}).eventStore).toEqual({
      kind: 'postgres',
      url: 'postgres://db/x',
    });
  });

  it('refuses a URL that is not PostgreSQL, a bad schema, and two logs at once, without echoing a password', () => {
    expect(problems({ SPILLWAY_EVENTS_URL: 'mysql://u:hunter2@db/x' })).toEqual([
      expect.stringMatching(/^SPILLWAY_EVENTS_URL "mysql:\/\/u:\*\*\*@db\/x" is not a PostgreSQL URL/),
    ]);
    expect(problems({ SPILLWAY_EVENTS_URL: 'postgresql://db/x?schema=Drop-Table' })[0]).toMatch(/schema=NAME/);
    expect(
      problems({ SPILLWAY_EVENTS_URL: 'postgresql://db/x', EVENTSTORE_URL: 'esdb://localhost:2113?tls=false' }),
    ).toEqual([expect.stringMatching(/both set: choose one log/)]);
  });

  it('describes a PostgreSQL log without its password', () => {
    const config = loadConfig({}, { SPILLWAY_EVENTS_URL: 'postgresql://spill:s3cret@db:5432/prod' });
    expect(describeEventStore(config.eventStore)).toBe('PostgreSQL at postgresql://spill:***@db:5432/prod');
  });
});

describe('the cluster settings', () => {
  it('has defaults that need nothing set, and a forwarding secret derived from the JWT secret', () => {
    const one = loadConfig({}, { SPILLWAY_JWT_SECRET: 'a-secret-of-sixteen+' }).cluster;
    const other = loadConfig({}, { SPILLWAY_JWT_SECRET: 'another-secret-16chars' }).cluster;
    expect(one).toMatchObject({ internalPort: 0, internalUrl: undefined, leaseMs: 3000 });
    expect(one.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(one.secret).not.toBe(other.secret);
    expect(loadConfig({}, { SPILLWAY_CLUSTER_SECRET: 'x'.repeat(20) }).cluster.secret).toBe('x'.repeat(20));
  });

  it('names every bad cluster setting', () => {
    expect(
      problems({
        SPILLWAY_INTERNAL_PORT: '70000',
        SPILLWAY_INTERNAL_URL: 'ftp://node-a/x',
        SPILLWAY_CLUSTER_SECRET: 'short',
        SPILLWAY_LEASE_MS: '50',
      }),
    ).toEqual([
      expect.stringMatching(/^SPILLWAY_INTERNAL_PORT "70000"/),
      expect.stringMatching(/^SPILLWAY_INTERNAL_URL "ftp:\/\/node-a\/x" must be http:\/\/HOST:PORT/),
      expect.stringMatching(/^SPILLWAY_CLUSTER_SECRET must be at least 16/),
      expect.stringMatching(/^SPILLWAY_LEASE_MS "50"/),
    ]);
  });
});
