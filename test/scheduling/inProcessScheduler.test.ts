import { createInProcessScheduler } from '../../src/scheduling/index.ts';
import { schedulerContract } from './scheduler.contract.ts';

schedulerContract('in-process timers', async () => ({
  create: async (handlers, options) => createInProcessScheduler({ handlers, ...options, onError: () => undefined }),
  // Nothing outlives the scheduler: closing it was the restart.
  loseEverything: async () => undefined,
  dispose: async () => undefined,
}));
