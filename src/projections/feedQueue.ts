/**
 * One subscriber's queue of feed items: pushed by whoever publishes, pulled
 * by the subscription's iterator. A subscriber that falls `maxBacklog` items
 * behind is cut off with an error rather than buffered without bound.
 */
export const createFeedQueue = <Item>(label: string, maxBacklog: number, onClose: () => void) => {
  const queue: Item[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let failure: Error | undefined;

  const close = (): void => {
    if (closed) return;
    closed = true;
    onClose();
    wake?.();
  };

  async function* items(): AsyncGenerator<Item> {
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (closed) {
          if (failure) throw failure;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      close();
    }
  }
  const iterator = items();
  const subscription: AsyncIterable<Item> & { close(): void } = { close, [Symbol.asyncIterator]: () => iterator };

  return {
    subscription,
    push: (item: Item): void => {
      if (closed) return;
      if (queue.length >= maxBacklog) {
        failure = new Error(
          `Feed subscriber for ${label} fell ${maxBacklog} items behind and was cut off; subscribe again.`,
        );
        close();
        return;
      }
      queue.push(item);
      wake?.();
    },
  };
};
