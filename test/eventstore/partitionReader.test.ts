import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteEventStore, openSqlitePartitionReader, type RecordedEvent } from '../../src/eventstore/index.ts';
import { makeTempDir } from '../support/tempDir.ts';

describe('SQLite partition reader', () => {
  const dirs: Array<{ remove(): void }> = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) dir.remove();
  });

  /** A log of 40 streams with interleaved appends: 400 events. */
  const fillLog = async (): Promise<{ file: string; all: RecordedEvent[] }> => {
    const dir = makeTempDir('partition');
    dirs.push(dir);
    const file = join(dir.path, 'events.db');
    const store = createSqliteEventStore(file);
    for (let round = 0; round < 10; round++) {
      for (let s = 0; s < 40; s++) {
        const streamId = s % 3 === 0 ? `room-r${s}.overflow-${round % 4}` : `room-r${s}`;
        await store.appendToStream(streamId, [{ type: 'Noted', data: { round, s } }]);
      }
    }
    const all = await store.readAll();
    await store.close();
    return { file, all };
  };

  const readPartition = (file: string, index: number, count: number, until: bigint, pageSize: number) => {
    const reader = openSqlitePartitionReader(file, { index, count });
    const events: RecordedEvent[] = [];
    let from = 0n;
    let pages = 0;
    for (;;) {
      const page = reader.read(from, until, pageSize);
      pages++;
      events.push(...page.events);
      for (const e of page.events) expect(e.position).toBeLessThanOrEqual(page.through);
      if (page.through >= until) break;
      from = page.through + 1n;
    }
    reader.close();
    return { events, pages };
  };

  it.each([1, 2, 3])(
    'splits the log into %i partitions: every event once, each stream in one, log order kept',
    async (count) => {
      const { file, all } = await fillLog();
      const until = all.at(-1)!.position;
      const parts = Array.from({ length: count }, (_, i) => readPartition(file, i, count, until, 17));
      const owner = new Map<string, number>();
      parts.forEach((part, i) => {
        const positions = part.events.map((e) => e.position);
        expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
        for (const e of part.events) {
          expect(owner.get(e.streamId) ?? i, `stream ${e.streamId} read by two partitions`).toBe(i);
          owner.set(e.streamId, i);
        }
        if (count > 1) expect(part.events.length, `partition ${i} of ${count} is empty`).toBeGreaterThan(0);
      });
      const union = parts.flatMap((p) => p.events).sort((a, b) => (a.position < b.position ? -1 : 1));
      expect(union).toEqual(all);
      expect(parts.reduce((n, p) => n + p.pages, 0)).toBeGreaterThan(count * 2);
    },
  );

  it('stops at `until`, even with later events in the log', async () => {
    const { file, all } = await fillLog();
    const { events } = readPartition(file, 0, 1, 99n, 30);
    expect(events).toEqual(all.slice(0, 100));
  });

  it('refuses a partition outside its count, and a file that is not there, naming what is wrong', () => {
    expect(() => openSqlitePartitionReader('/nowhere/events.db', { index: 0, count: 1 })).toThrow(
      'There is no SQLite log at /nowhere/events.db',
    );
    const dir = makeTempDir('partition');
    dirs.push(dir);
    expect(() => openSqlitePartitionReader(join(dir.path, 'x.db'), { index: 2, count: 2 })).toThrow('index 2 of 2');
  });
});
