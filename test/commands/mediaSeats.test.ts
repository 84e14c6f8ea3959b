// Two API nodes' media command paths, each with its own connection to one
// SQLite log, reserve one media node's seats for many families at once: the
// node's stream hands out each seat once, whoever appends first.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMediaCommands } from '../../src/commands/index.ts';
import { replayMediaNode, type MediaNodeEvent } from '../../src/domain/mediaNode.ts';
import { createSqliteEventStore, type EventStore } from '../../src/eventstore/index.ts';
import { nodeProfile } from '../domain/given.ts';
import { makeTempDir } from '../support/tempDir.ts';

const meta = () => ({ actor: 'spillway-media-cluster', at: new Date().toISOString() });

describe('media seats across API nodes', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  const store = (file: string): EventStore => {
    const s = createSqliteEventStore(file);
    cleanup.push(() => s.close());
    return s;
  };

  it('never gives two families the same seat, however the appends of two nodes interleave', async () => {
    const dir = makeTempDir('media-seats');
    cleanup.push(() => dir.remove());
    const file = join(dir.path, 'events.db');
    const [first, second] = [store(file), store(file)];
    const paths = [createMediaCommands(first), createMediaCommands(second)];
    await paths[0]!.node({
      type: 'JoinMediaNode',
      data: nodeProfile(),
      metadata: meta(),
    });
    const families = Array.from({ length: 8 }, (_, i) => `family-${i}`);
    const results = await Promise.all(
      families.map((familyId, i) =>
        paths[i % 2]!.node({
          type: 'ReserveMediaSeats',
          data: { nodeId: 'b', instanceId: 'i1', familyId, seats: 3 },
          metadata: meta(),
        }),
      ),
    );
    const events = await first.readStream('media-node-b');
    const held = replayMediaNode(events.map((e) => ({ type: e.type, data: e.data }) as MediaNodeEvent)).reservations;
    // 8 families asked for 3 seats each of 10: three got 3, one the last seat, the others none.
    expect([...held.values()].sort()).toEqual([1, 3, 3, 3]);
    // Each caller was told what its family holds now, as the stream has it.
    for (const [i, familyId] of families.entries())
      expect(results[i]!.state.reservations.get(familyId) ?? 0).toBe(held.get(familyId) ?? 0);
  });
});
