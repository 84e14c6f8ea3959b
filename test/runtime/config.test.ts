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

describe('the rooms the command path holds', () => {
  it('defaults to 5 minutes idle and 10,000 families, and takes both from the environment', () => {
    expect(loadConfig({}, {}).heldRooms).toEqual({ idleMs: 300_000, maxHeld: 10_000 });
    expect(loadConfig({}, { SPILLWAY_ROOM_IDLE_SECONDS: '30', SPILLWAY_ROOMS_HELD: '500' }).heldRooms).toEqual({
      idleMs: 30_000,
      maxHeld: 500,
    });
    expect(() => loadConfig({}, { SPILLWAY_ROOMS_HELD: 'lots' })).toThrow(
      'SPILLWAY_ROOMS_HELD "lots" must be a whole number from 10 to 10000000.',
    );
  });
});

describe('prewarm and the scheduler', () => {
  it('drains warm rooms 10 minutes after the doors open unless SPILLWAY_WARM_DRAIN_MS says otherwise', () => {
    expect(loadConfig({}, {}).warmDrainMs).toBe(600_000);
    expect(loadConfig({}, { SPILLWAY_WARM_DRAIN_MS: '30000' }).warmDrainMs).toBe(30_000);
    expect(() => loadConfig({}, { SPILLWAY_WARM_DRAIN_MS: '10m' })).toThrow(
      'SPILLWAY_WARM_DRAIN_MS "10m" must be a whole number from 0 to 86400000.',
    );
  });

  it('limits spawns over 10 minutes unless SPILLWAY_SPAWN_WINDOW_MS says otherwise, from a second to a day', () => {
    expect(loadConfig({}, {}).spawnWindowMs).toBe(600_000);
    expect(loadConfig({}, { SPILLWAY_SPAWN_WINDOW_MS: '2000' }).spawnWindowMs).toBe(2000);
    expect(() => loadConfig({}, { SPILLWAY_SPAWN_WINDOW_MS: '0' })).toThrow(
      'SPILLWAY_SPAWN_WINDOW_MS "0" must be a whole number from 1000 to 86400000.',
    );
  });

  it("gathers a busy family's commands for 5 ms between turns on a networked log, not on SQLite, unless SPILLWAY_TURN_GATHER_MS says", () => {
    const postgres = { SPILLWAY_EVENTS_URL: 'postgresql://postgres@127.0.0.1:5432/test' };
    expect(loadConfig({}, {}).turnGatherMs).toBe(0);
    expect(loadConfig({}, postgres).turnGatherMs).toBe(5);
    expect(loadConfig({}, { EVENTSTORE_URL: 'esdb://127.0.0.1:2113?tls=false' }).turnGatherMs).toBe(5);
    expect(loadConfig({}, { ...postgres, SPILLWAY_TURN_GATHER_MS: '0' }).turnGatherMs).toBe(0);
    expect(loadConfig({}, { SPILLWAY_TURN_GATHER_MS: '3' }).turnGatherMs).toBe(3);
    expect(() => loadConfig({}, { SPILLWAY_TURN_GATHER_MS: '-1' })).toThrow(
      'SPILLWAY_TURN_GATHER_MS "-1" must be a whole number from 0 to 1000.',
    );
  });

  it('runs sessions on timers when SPILLWAY_SCHEDULER=timers, and refuses that beside REDIS_URL', () => {
    expect(loadConfig({}, {}).scheduler).toBe('auto');
    expect(loadConfig({}, { SPILLWAY_SCHEDULER: 'timers' }).scheduler).toBe('timers');
    expect(() => loadConfig({}, { SPILLWAY_SCHEDULER: 'cron' })).toThrow(
      'SPILLWAY_SCHEDULER "cron" must be auto or timers.',
    );
    expect(() => loadConfig({}, { SPILLWAY_SCHEDULER: 'timers', REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /SPILLWAY_SCHEDULER=timers runs sessions on this node alone, but REDIS_URL is set/,
    );
  });
});
