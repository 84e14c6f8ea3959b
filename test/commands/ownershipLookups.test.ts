import { join as joinPath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createFamilyOwnership, type CommandResult, type Forwarder } from '../../src/commands/index.ts';
import type { RoomCommand } from '../../src/domain/index.ts';
import { createSqliteEventStore, createSqliteLeaseStore, type LeaseStore } from '../../src/eventstore/index.ts';
import { makeTempDir } from '../support/tempDir.ts';

const join = (roomId: string, actor: string): RoomCommand => ({
  type: 'JoinRoom',
  data: { roomId },
  metadata: { actor, at: new Date().toISOString() },
});

/**
 * A node that does not own a family asks the leases who does, and caches the
 * answer for as long as that lease runs. On the real SQLite lease store; the
 * forwarder (the port to the owner) only records what it was given.
 */
describe('looking up a family’s owner', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a crowd whose cached owner ran out asks the leases once, not once a command', async () => {
    const dir = makeTempDir('ownership-lookups');
    cleanups.push(() => dir.remove());
    const leases = createSqliteLeaseStore(joinPath(dir.path, 'spillway.db'));
    const store = createSqliteEventStore(joinPath(dir.path, 'spillway.db'));
    cleanups.push(() => leases.close());
    cleanups.push(() => store.close());
    let asked = 0;
    const counted: LeaseStore = {
      ...leases,
      acquire: (...args) => {
        asked += 1;
        return leases.acquire(...args);
      },
    };
    const owner = { id: 'node-b', address: 'http://node-b.invalid' };
    await leases.acquire('fam', owner, 600);
    const forwarded: string[] = [];
    const forwarder: Forwarder = {
      forward: async (address): Promise<CommandResult> => {
        forwarded.push(address);
        await sleep(5);
        return { roomId: 'fam', events: [], revision: 0n, position: -1n };
      },
    };
    const ownership = createFamilyOwnership({
      local: {
        send: () => Promise.reject(new Error('this node does not own the family and must not decide for it')),
      },
      store,
      leases: counted,
      node: { id: 'node-a', address: 'http://node-a.invalid' },
      forwarder,
      leaseMs: 600,
    });
    cleanups.push(() => ownership.close());

    await Promise.all(Array.from({ length: 100 }, (_, i) => ownership.send(join('fam', `first-${i}`))));
    expect(asked).toBe(1);
    expect(forwarded).toHaveLength(100);
    expect(new Set(forwarded)).toEqual(new Set([owner.address]));

    // The owner renews; this node's cached answer runs out, and the next crowd shares one lookup again.
    await sleep(700);
    await leases.acquire('fam', owner, 600);
    await Promise.all(Array.from({ length: 50 }, (_, i) => ownership.send(join('fam', `second-${i}`))));
    expect(asked).toBe(2);
    expect(forwarded).toHaveLength(150);
    expect(ownership.owned()).toEqual([]);
  });
});
