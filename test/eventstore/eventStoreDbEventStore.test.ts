import { describe } from 'vitest';
import { connectEventStoreDb } from '../../src/eventstore/index.ts';
import { eventStoreContract } from '../contracts/eventStore.contract.ts';

const url = process.env.EVENTSTORE_URL;
if (!url) {
  console.log(
    'EventStoreDB contract suite not run: EVENTSTORE_URL is not set (no EventStoreDB/KurrentDB server can run on this machine; set it, e.g. esdb://localhost:2113?tls=false, to run it).',
  );
}

describe.runIf(url)('EventStoreDB adapter', () => {
  eventStoreContract('EventStoreDB', () => {
    const store = connectEventStoreDb(url!);
    return Promise.resolve({ store, dispose: () => store.close() });
  });
});
