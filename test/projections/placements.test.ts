import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createReadModels } from '../../src/projections/index.ts';
import { openWorkbench, play, randomWorkload } from './support.ts';

describe('placements read model', () => {
  const bench = openWorkbench('placements');
  afterAll(() => bench.close());

  it('says where every user is, as the command path’s own roster does, after a random workload', async () => {
    const readModels = createReadModels({ store: bench.store, path: join(bench.dir, 'read.db'), batchSize: 50 });
    readModels.start();
    const last = await play(bench.commands, randomWorkload(23, 600));
    await readModels.waitFor(last);
    let placed = 0;
    for (const roomId of ['alpha', 'beta', 'gamma']) {
      const live = readModels.room(roomId)?.state === 'live';
      for (const userId of [...Array.from({ length: 40 }, (_, i) => `u${i}`), `mod-${roomId}`]) {
        const roster = await bench.commands.placementOf(roomId, userId);
        const expected = live ? roster : undefined;
        expect(readModels.placement(roomId, userId), `${userId} in ${roomId}`).toEqual(expected);
        // Any room of the family answers for the family.
        expect(readModels.placement(`${roomId}.overflow-1`, userId)).toEqual(expected);
        if (expected) placed++;
      }
    }
    expect(placed).toBeGreaterThan(10);
    await readModels.stop();
  });
});
