import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { LeaseStore } from '../../src/eventstore/index.ts';

/** The lease port's contract; `open` gives a new store (its own connections) on the same leases. */
export const leaseStoreContract = (adapter: string, open: () => LeaseStore): void => {
  const node = (id: string) => ({ id: `${id}-${randomUUID()}`, address: `http://${id}.internal:1` });

  describe(`${adapter}: the lease contract`, () => {
    it('a free lease goes to the first node; others are told who holds it and for how long', async () => {
      const [one, two] = [open(), open()];
      try {
        const key = `family-${randomUUID()}`;
        const a = node('a');
        const b = node('b');
        const first = await one.acquire(key, a, 5000);
        expect(first).toMatchObject({ owner: a.id, address: a.address, epoch: 1n });
        expect(first.remainingMs).toBeGreaterThan(4000);
        const second = await two.acquire(key, b, 5000);
        expect(second).toMatchObject({ owner: a.id, address: a.address, epoch: 1n });
        expect(second.remainingMs).toBeLessThanOrEqual(5000);
        expect((await one.acquire(key, a, 5000)).epoch).toBe(1n);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });

    it('an expired lease changes hands with a higher epoch; renew keeps only unexpired leases', async () => {
      const store = open();
      try {
        const key = `family-${randomUUID()}`;
        const kept = `family-${randomUUID()}`;
        const a = node('a');
        const b = node('b');
        await store.acquire(key, a, 150);
        await store.acquire(kept, a, 60_000);
        await sleep(300);
        expect(await store.renew(a.id, 60_000)).toEqual([kept]);
        const taken = await store.acquire(key, b, 5000);
        expect(taken).toMatchObject({ owner: b.id, epoch: 2n });
        expect(await store.renew(a.id, 60_000)).toEqual([kept]);
        await store.release(a.id);
        expect(await store.renew(a.id, 60_000)).toEqual([]);
        expect((await store.acquire(kept, b, 5000)).owner).toBe(b.id);
      } finally {
        await store.close();
      }
    });

    it('nodes racing for one expired lease: exactly one gets it, and all agree which', async () => {
      const stores = Array.from({ length: 6 }, () => open());
      try {
        const key = `family-${randomUUID()}`;
        await stores[0]!.acquire(key, node('gone'), 1);
        await sleep(20);
        const racers = stores.map((_, i) => node(`r${i}`));
        const answers = await Promise.all(stores.map((s, i) => s.acquire(key, racers[i]!, 5000)));
        const winners = answers.filter((holder, i) => holder.owner === racers[i]!.id);
        expect(winners).toHaveLength(1);
        expect(new Set(answers.map((h) => h.owner)).size).toBe(1);
        expect(answers.every((h) => h.epoch === 2n)).toBe(true);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });
};
