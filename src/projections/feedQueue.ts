/** A live subscription to a feed: pulled as an async iterable, or pushed to a listener (`deliverTo`). */
export interface LiveFeed<Item> extends AsyncIterable<Item> {
  /** Ends the subscription; safe to call twice. */
  close(): void;
  /**
   * Hands every item, the queued ones first, to `deliver` as soon as it is
   * published, in order, instead of queueing it for the iterator; `ended` is
   * told when the subscription ends (with the error if it was cut off). A
   * transport that writes synchronously uses this to skip a promise chain
   * per subscriber per item. Do not also iterate.
   */
  deliverTo(deliver: (item: Item) => void, ended: (error?: Error) => void): void;
}

/**
 * One subscriber's queue of feed items: pushed by whoever publishes, pulled
 * by the subscription's iterator. A subscriber that falls `maxBacklog` items
 * behind is cut off with an error rather than buffered without bound. A
 * listener that throws is cut off the same way; the publisher never sees it.
 */
export const createFeedQueue = <Item>(label: string, maxBacklog: number, onClose: () => void) => {
  const queue: Item[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let failure: Error | undefined;
  let listener: { deliver: (item: Item) => void; ended: (error?: Error) => void } | undefined;

  const close = (error?: Error): void => {
    if (closed) return;
    closed = true;
    failure ??= error;
    onClose();
    wake?.();
    listener?.ended(failure);
  };

  const deliver = (item: Item): void => {
    try {
      listener!.deliver(item);
    } catch (error) {
      close(error instanceof Error ? error : new Error(String(error)));
    }
  };

  const next = async (): Promise<IteratorResult<Item, undefined>> => {
    for (;;) {
      if (queue.length > 0) return { done: false, value: queue.shift()! };
      if (closed) {
        if (failure) {
          const error = failure;
          failure = undefined;
          throw error;
        }
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  };
  const iterator: AsyncIterableIterator<Item> = {
    [Symbol.asyncIterator]: () => iterator,
    next,
    // Returning ends the subscription even if the iterator was never pulled.
    return: async () => {
      close();
      queue.length = 0;
      return { done: true, value: undefined };
    },
  };

  const subscription: LiveFeed<Item> = {
    close: () => close(),
    [Symbol.asyncIterator]: () => iterator,
    deliverTo(deliverItem, ended) {
      if (closed) return ended(failure);
      listener = { deliver: deliverItem, ended };
      while (queue.length > 0 && !closed) deliver(queue.shift()!);
    },
  };

  return {
    subscription,
    push: (item: Item): void => {
      if (closed) return;
      if (listener) return deliver(item);
      if (queue.length >= maxBacklog) {
        close(
          new Error(`Feed subscriber for ${label} fell ${maxBacklog} items behind and was cut off; subscribe again.`),
        );
        return;
      }
      queue.push(item);
      wake?.();
    },
  };
};
