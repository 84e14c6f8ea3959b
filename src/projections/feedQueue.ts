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
      listener = { deliver: deliverItem, ended };
      // What was queued before the subscription ended still goes out (a feed that is complete from the start).
      const endedAlready = closed;
      while (queue.length > 0 && (endedAlready || !closed)) deliver(queue.shift()!);
      if (endedAlready) ended(failure);
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

/** A feed that carries `items` and then completes: what a subscriber to something already over is told. */
export const completedFeed = <Item>(label: string, items: readonly Item[]): LiveFeed<Item> => {
  const { subscription, push } = createFeedQueue<Item>(label, items.length, () => undefined);
  for (const item of items) push(item);
  subscription.close();
  return subscription;
};

export interface FeedView<Item, Seen> {
  /** What the subscriber sees of an item, or undefined to skip it. */
  readonly see: (item: Item) => Seen | undefined;
  /** The item after which the subscription completes. */
  readonly isLast?: (seen: Seen) => boolean;
  /** The item's order; an item ordered before one already delivered is skipped. */
  readonly orderOf?: (seen: Seen) => bigint;
}

/**
 * One subscriber's view of a live feed: each item as `see` shows it (or not
 * at all), never out of order, and complete after `isLast`. Pushing and
 * iterating both go through it, so a transport may use either.
 */
export const viewOfFeed = <Item, Seen>(source: LiveFeed<Item>, view: FeedView<Item, Seen>): LiveFeed<Seen> => {
  let finished = false;
  let latest: bigint | undefined;
  /** What goes out for `item`, if anything; marks the view finished after the last one. */
  const shown = (item: Item): Seen | undefined => {
    if (finished) return undefined;
    const seen = view.see(item);
    if (seen === undefined) return undefined;
    if (view.orderOf) {
      const order = view.orderOf(seen);
      if (latest !== undefined && order < latest) return undefined;
      latest = order;
    }
    if (view.isLast?.(seen)) finished = true;
    return seen;
  };
  const iterator = source[Symbol.asyncIterator]();
  const seenIterator: AsyncIterableIterator<Seen> = {
    [Symbol.asyncIterator]: () => seenIterator,
    next: async () => {
      while (!finished) {
        const step = await iterator.next();
        if (step.done) break;
        const seen = shown(step.value);
        if (seen === undefined) continue;
        if (finished) source.close();
        return { done: false, value: seen };
      }
      return { done: true, value: undefined };
    },
    return: async () => {
      finished = true;
      await iterator.return?.();
      return { done: true, value: undefined };
    },
  };
  return {
    [Symbol.asyncIterator]: () => seenIterator,
    close: () => source.close(),
    deliverTo(deliver, ended) {
      source.deliverTo((item) => {
        const seen = shown(item);
        if (seen === undefined) return;
        deliver(seen);
        if (finished) source.close();
      }, ended);
    },
  };
};
