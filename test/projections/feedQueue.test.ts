import { describe, expect, it } from 'vitest';
import { createFeedQueue } from '../../src/projections/index.ts';

const queue = (maxBacklog = 100) => {
  let closed = 0;
  const q = createFeedQueue<number>('room', maxBacklog, () => closed++);
  return { ...q, closedCount: () => closed };
};

describe('feed queue', () => {
  it('pulled: items in order; a subscriber that falls behind gets what was queued, then the error', async () => {
    const q = queue(3);
    for (const n of [1, 2, 3, 4]) q.push(n);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const n of q.subscription) got.push(n);
      })(),
    ).rejects.toThrow(/fell 3 items behind and was cut off/);
    expect(got).toEqual([1, 2, 3]);
    expect(q.closedCount()).toBe(1);
  });

  it('returning an iterator that was never pulled still ends the subscription', async () => {
    const q = queue();
    q.push(1);
    await q.subscription[Symbol.asyncIterator]().return!();
    expect(q.closedCount()).toBe(1);
    q.push(2);
    expect(await q.subscription[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
  });

  it('pushed: queued items first, then each as it is published, at once; closing tells the listener', () => {
    const q = queue();
    q.push(1);
    q.push(2);
    const got: number[] = [];
    const ends: (Error | undefined)[] = [];
    q.subscription.deliverTo(
      (n) => got.push(n),
      (error) => ends.push(error),
    );
    expect(got).toEqual([1, 2]);
    q.push(3);
    expect(got).toEqual([1, 2, 3]);
    q.subscription.close();
    q.subscription.close();
    q.push(4);
    expect(got).toEqual([1, 2, 3]);
    expect(ends).toEqual([undefined]);
    expect(q.closedCount()).toBe(1);
  });

  it('pushed: a listener that throws is cut off with its error; the publisher never sees it', () => {
    const q = queue();
    const ends: (Error | undefined)[] = [];
    q.subscription.deliverTo(
      (n) => {
        if (n === 2) throw new Error('socket gone');
      },
      (error) => ends.push(error),
    );
    q.push(1);
    expect(() => q.push(2)).not.toThrow();
    q.push(3);
    expect(ends.map((e) => e?.message)).toEqual(['socket gone']);
    expect(q.closedCount()).toBe(1);
  });

  it('pushed after the subscription ended: the listener is told at once', () => {
    const q = queue();
    q.subscription.close();
    const ends: (Error | undefined)[] = [];
    q.subscription.deliverTo(
      () => undefined,
      (error) => ends.push(error),
    );
    expect(ends).toEqual([undefined]);
  });
});
