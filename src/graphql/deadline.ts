import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * `work`'s result, or past `ms` a TIMEOUT answer instead of waiting on. The
 * work itself is not undone (an append in flight may still land), so the
 * message says to check before repeating a mutation.
 */
export const withinDeadline = async (
  ms: number,
  work: ExecutionResult | Promise<ExecutionResult>,
): Promise<ExecutionResult> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ExecutionResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          errors: [
            new GraphQLError(
              `The server did not finish this request within ${ms} ms; try again shortly (a mutation may still have taken effect: check before repeating it).`,
              { extensions: { code: 'TIMEOUT' } },
            ),
          ],
        }),
      ms,
    );
  });
  try {
    return await Promise.race([Promise.resolve(work), late]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Every query and mutation is answered within `ms` (`withinDeadline`); the
 * trusted-document fast path applies the same deadline itself.
 * Subscriptions are long-lived by design and have no deadline.
 */
export const useRequestDeadline = (ms: number): Plugin => ({
  onExecute({ executeFn, setExecuteFn }) {
    setExecuteFn((args) => withinDeadline(ms, executeFn(args) as ExecutionResult | Promise<ExecutionResult>));
  },
});
