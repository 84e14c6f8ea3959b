import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Every query and mutation is answered within `ms`: past it, the caller gets
 * a TIMEOUT error instead of waiting on, whatever is still running. The work
 * itself is not undone (an append in flight may still land), so the message
 * says to check before repeating a mutation. Subscriptions are long-lived by
 * design and have no deadline.
 */
export const useRequestDeadline = (ms: number): Plugin => ({
  onExecute({ executeFn, setExecuteFn }) {
    setExecuteFn(async (args) => {
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
        return await Promise.race([Promise.resolve(executeFn(args)) as Promise<ExecutionResult>, late]);
      } finally {
        clearTimeout(timer);
      }
    });
  },
});
