import type { EventStore } from '../../src/eventstore/index.ts';
import {
  createProjectionRunner,
  openDocumentStore,
  querySchedule,
  scheduleProjection,
} from '../../src/projections/index.ts';

/** A projection runner keeping only the schedule, in memory, over `store`. */
export const createDocumentRunner = (store: EventStore) => {
  const documents = openDocumentStore(':memory:');
  const runner = createProjectionRunner({ store, documents, projections: [scheduleProjection] });
  runner.start();
  return {
    runner,
    queries: querySchedule(runner),
    caughtUp: async () => runner.waitFor(await store.headPosition()),
    async stop() {
      await runner.stop();
      documents.close();
    },
  };
};
