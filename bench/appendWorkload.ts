// The append workloads both event-store benchmarks time, whatever the store.
export const payload = (n: number) => ({ roomId: 'room-1', userId: `listener-${n}`, at: '2026-11-28T21:04:17.000Z' });

export interface Workload {
  singleAppends: number;
  batches: number;
  readEvents: number;
}

export const rate = (count: number, started: number): number => count / ((performance.now() - started) / 1000);

/** Times single-event appends, then batches of 100, through one store's append. */
export const measureAppends = async (append: Appender, w: Workload) => {
  let started = performance.now();
  for (let i = 0; i < w.singleAppends; i += 1) {
    await append([{ type: 'ListenerAdmitted', data: payload(i) }], `room-${i % 100}`);
  }
  const single = rate(w.singleAppends, started);
  started = performance.now();
  for (let b = 0; b < w.batches; b += 1) {
    const events = Array.from({ length: 100 }, (_, i) => ({ type: 'ListenerAdmitted', data: payload(b * 100 + i) }));
    await append(events, `room-batch-${b % 100}`);
  }
  return { single, batched: rate(w.batches * 100, started) };
};

export type Appender = (
  events: Array<{ type: string; data: ReturnType<typeof payload> }>,
  stream: string,
) => Promise<unknown>;
