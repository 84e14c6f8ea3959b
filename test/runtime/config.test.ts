import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/runtime/index.ts';

describe('the deployment namespace (Redis keys, feed, BullMQ queue)', () => {
  it('is the same for every node of one log and differs between two logs', () => {
    const node = (dataDir: string, events?: string) => loadConfig({ dataDir, eventsFile: events }, {}).namespace;
    expect(node('/srv/a/node-1', '/srv/a/events.db')).toBe(node('/srv/a/node-2', '/srv/a/events.db'));
    expect(node('/srv/a')).not.toBe(node('/srv/b'));
    expect(loadConfig({}, { EVENTSTORE_URL: 'esdb://one:2113?tls=false' }).namespace).not.toBe(
      loadConfig({}, { EVENTSTORE_URL: 'esdb://two:2113?tls=false' }).namespace,
    );
    expect(node('/srv/a')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is SPILLWAY_NAMESPACE when set, and a bad one is refused naming the setting', () => {
    expect(loadConfig({}, { SPILLWAY_NAMESPACE: 'blue-2' }).namespace).toBe('blue-2');
    expect(() => loadConfig({}, { SPILLWAY_NAMESPACE: 'a b:c' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { SPILLWAY_NAMESPACE: 'a b:c' })).toThrow(/SPILLWAY_NAMESPACE "a b:c" must be/);
  });
});
