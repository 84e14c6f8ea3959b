import { describe, expect, it } from 'vitest';
import { createPollingSubscription, type PollingSource } from '../../src/eventstore/pollingSubscription.ts';
import type { RecordedEvent } from '../../src/eventstore/index.ts';

const recorded = (position: bigint): RecordedEvent => ({
  eventId: `e${position}`,
  streamId: 's',
  type: 'T',
  data: {},
  metadata: {},
  revision: position,
  position,
  recordedAt: new Date(0),
});

/** A log of `size` events that counts what the subscription asks of it. */
const countingSource = (size: bigint) => {
  const reads: Array<{ from: bigint; maxCount: number; returned: number }> = [];
  const source: PollingSource = {
    readPage(from, maxCount) {
      const page: RecordedEvent[] = [];
      for (let p = from; p < size && page.length < maxCount; p += 1n) page.push(recorded(p));
      reads.push({ from, maxCount, returned: page.length });
      return page;
    },
    waitForAppend: (_position, stop) =>
      new Promise((resolve) => stop.addEventListener('abort', () => resolve(), { once: true })),
  };
  return { source, reads };
};

describe('polling subscription (backpressure)', () => {
  it('reads one page ahead at most while its consumer is slow, however long the log', async () => {
    const { source, reads } = countingSource(1_000_000n);
    const subscription = createPollingSubscription(source, 0n, 100, () => undefined);
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.position).toBe(0n);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).toEqual([{ from: 0n, maxCount: 100, returned: 100 }]);
    for (let i = 1; i <= 100; i += 1) await iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads.map((r) => r.from)).toEqual([0n, 100n]);
    subscription.close();
    expect((await iterator.next()).done).toBe(true);
  });

  it('calls onClose once, whether closed or broken out of', async () => {
    let closes = 0;
    const { source } = countingSource(10n);
    const subscription = createPollingSubscription(source, 0n, 4, () => (closes += 1));
    for await (const e of subscription) if (e.position === 2n) break;
    subscription.close();
    expect(closes).toBe(1);
  });
});
