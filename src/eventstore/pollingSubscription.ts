import type { RecordedEvent, Subscription } from './types.ts';

export interface PollingSource {
  /** Reads up to `maxCount` events at or after `fromPosition`. */
  readPage(fromPosition: bigint, maxCount: number): RecordedEvent[] | Promise<RecordedEvent[]>;
  /**
   * Resolves when an event at `position` may be there: at once if an
   * in-process append already reached it, else on the next in-process append
   * or after the poll interval (for appends made by other processes).
   */
  waitForAppend(position: bigint, stop: AbortSignal): Promise<void>;
}

/**
 * A subscription that reads the log one page at a time, and only when its
 * consumer asks for more: memory stays at one page however far behind the
 * consumer falls.
 */
export const createPollingSubscription = (
  source: PollingSource,
  fromPosition: bigint,
  pageSize: number,
  onClose: () => void,
): Subscription => {
  const stop = new AbortController();
  let next = fromPosition;

  async function* follow(): AsyncGenerator<RecordedEvent> {
    try {
      while (!stop.signal.aborted) {
        const page = await source.readPage(next, pageSize);
        for (const event of page) {
          if (stop.signal.aborted) return;
          next = event.position + 1n;
          yield event;
        }
        if (page.length < pageSize) await source.waitForAppend(next, stop.signal);
      }
    } finally {
      close();
    }
  }

  const close = (): void => {
    if (stop.signal.aborted) return;
    stop.abort();
    onClose();
  };

  const iterator = follow();
  return {
    close,
    [Symbol.asyncIterator]: () => iterator,
  };
};

/** Waits until one of `waiters` is called, the timeout passes or `stop` aborts, whichever is first. */
export const waitForWake = (waiters: Set<() => void>, timeoutMs: number, stop: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      waiters.delete(done);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    waiters.add(done);
    stop.addEventListener('abort', done, { once: true });
  });
