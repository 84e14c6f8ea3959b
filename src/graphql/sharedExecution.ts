import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

/** Runs the subscription's selection set on one source item: the same result for every caller with the same operation. */
export type SharedExecutor = (item: unknown) => ExecutionResult;

/** A subscription's items as they come from the source, and how each becomes its (shared) result. */
export interface SharedSubscription {
  readonly source: AsyncIterable<unknown>;
  readonly execute: SharedExecutor;
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
const idOf = (document: DocumentNode): number => {
  let id = documentIds.get(document);
  if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
  return id;
};

/** Results per source item, then per operation; they go when the item does. */
const resultsByItem = new WeakMap<object, Map<string, ExecutionResult>>();

/** Items and results map one to one, in order; returning the mapped iterator returns the source's. */
const mapItems = (source: AsyncIterable<unknown>, toResult: SharedExecutor): AsyncIterableIterator<ExecutionResult> => {
  const iterator = source[Symbol.asyncIterator]();
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => mapped,
    next: async () => {
      const step = await iterator.next();
      return step.done ? { done: true, value: undefined } : { done: false, value: toResult(step.value) };
    },
    return: async () => {
      await iterator.return?.();
      return { done: true, value: undefined };
    },
    throw: async (error: unknown) => {
      await iterator.return?.();
      throw error;
    },
  };
  return mapped;
};

/**
 * One execution per source item and operation, shared by every subscriber
 * with that operation. graphql-js runs a subscription's selection set once
 * per subscriber per item; with 10,000 subscribers on a room that was most
 * of the fan-out's time (docs/PERFORMANCE.md).
 *
 * What stays per subscriber: the field's `subscribe` resolver runs with the
 * subscriber's own context, so who may subscribe to what is decided for each
 * one, and each gets its own source. What is shared: the selection set's
 * result for an item, keyed by the document, operation name and variables.
 * It is executed with `anonymous` as its context (no viewer), so a field that
 * looked at the viewer would see nobody: nothing meant for one subscriber can
 * reach another through the cache. Results live as long as their item.
 *
 * `onShared` is told each subscription's context, source and executor, so a
 * transport can deliver straight from the source (see sseFeed.ts).
 */
export const useSharedSubscriptionExecution = <Context extends object>(
  anonymous: Context,
  onShared?: (context: unknown, shared: SharedSubscription) => void,
): Plugin => ({
  onSubscribe({ setSubscribeFn }) {
    setSubscribeFn(async (args: ExecutionArgs) => {
      const source = await createSourceEventStream(args);
      if (!isAsyncIterable(source)) return source;
      const shared = sharedExecutor(args, anonymous);
      onShared?.(args.contextValue, { source, execute: shared });
      return mapItems(source, shared);
    });
  },
});

const sharedExecutor = (args: ExecutionArgs, anonymous: object): SharedExecutor => {
  const { schema, document, operationName, variableValues } = args;
  const key = `${idOf(document)}\n${operationName ?? ''}\n${JSON.stringify(variableValues ?? {})}`;
  const run = (item: unknown) =>
    execute({ schema, document, operationName, variableValues, rootValue: item, contextValue: anonymous });
  return (item) => {
    if (typeof item !== 'object' || item === null) return run(item) as ExecutionResult;
    let results = resultsByItem.get(item);
    if (!results) resultsByItem.set(item, (results = new Map<string, ExecutionResult>()));
    let result = results.get(key);
    if (!result) {
      const executed = run(item);
      if (executed instanceof Promise)
        throw new TypeError(
          'A subscription field resolved asynchronously; shared subscription results need synchronous fields (src/graphql/types/feed.ts).',
        );
      results.set(key, (result = executed));
    }
    return result;
  };
};
