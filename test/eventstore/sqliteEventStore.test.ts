import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteEventStore, type RecordedEvent } from '../../src/eventstore/index.ts';
import { eventStoreContract } from '../contracts/eventStore.contract.ts';
import { spawnTs, watchLines } from '../support/childProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { raceProcesses } from './fixtures/race.ts';

eventStoreContract('SQLite', async () => {
  const dir = makeTempDir('es');
  const store = createSqliteEventStore(join(dir.path, 'events.db'));
  return {
    store,
    dispose: async () => {
      await store.close();
      dir.remove();
    },
  };
});

describe('SQLite event store on a shared file', () => {
  const dirs: Array<{ remove(): void }> = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) dir.remove();
  });
  const tempFile = (): string => {
    const dir = makeTempDir('es');
    dirs.push(dir);
    return join(dir.path, 'events.db');
  };

  it('keeps every acknowledged append when the writer is killed with SIGKILL mid-stream', async () => {
    const file = tempFile();
    const child = spawnTs('test/eventstore/fixtures/appendUntilKilled.ts', [file, 'room-durable', '3']);
    const acks: Array<{ revision: bigint; position: bigint }> = [];
    const exited = watchLines(child, (line) => {
      const [word, revision, position] = line.split(' ');
      if (word !== 'ack' || !revision || !position) return;
      acks.push({ revision: BigInt(revision), position: BigInt(position) });
      if (acks.length === 300) child.kill('SIGKILL');
    });
    const { signal, stderr } = await exited;
    expect(signal, stderr).toBe('SIGKILL');
    expect(acks.length).toBeGreaterThanOrEqual(300);

    const store = createSqliteEventStore(file);
    try {
      const events = await store.readStream('room-durable');
      const last = acks.at(-1)!;
      expect(BigInt(events.length)).toBeGreaterThanOrEqual(last.revision + 1n);
      events.forEach((e, i) => {
        expect(e.revision).toBe(BigInt(i));
        expect(e.data).toEqual({ n: i, pad: 'x'.repeat(200) });
      });
      for (const ack of acks) expect(events[Number(ack.revision)]?.position).toBe(ack.position);
      // The file is still writable after the crash.
      const next = await store.appendToStream('room-durable', [{ type: 'After', data: {} }], {
        expectedRevision: events.at(-1)!.revision,
      });
      expect(next.nextExpectedRevision).toBe(BigInt(events.length));
    } finally {
      await store.close();
    }
  });

  it('two processes racing on one stream: exactly one append wins each revision', async () => {
    const file = tempFile();
    await createSqliteEventStore(file).close();
    const { wins, losses } = await raceProcesses(file, 'room-race', 3, 150);
    expect(wins.length + losses).toBe(3 * 150);
    const store = createSqliteEventStore(file);
    try {
      const events = await store.readStream('room-race');
      expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
      expect([...wins].sort((a, b) => (a < b ? -1 : 1))).toEqual(events.map((e) => e.revision));
    } finally {
      await store.close();
    }
  });

  it("a subscription sees another process's appends (poll fallback)", async () => {
    const file = tempFile();
    const store = createSqliteEventStore(file, { pollIntervalMs: 20 });
    try {
      const stream = `room-${randomUUID()}`;
      const seen: RecordedEvent[] = [];
      const subscription = store.subscribeToAll();
      const following = (async () => {
        for await (const e of subscription) {
          seen.push(e);
          if (seen.length === 20) break;
        }
      })();
      const { code, stderr } = await watchLines(
        spawnTs('test/eventstore/fixtures/raceOnStream.ts', [file, stream, 'other', '20']),
        () => undefined,
      );
      expect(code, stderr).toBe(0);
      await following;
      expect(seen.map((e) => e.revision)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
      expect(seen.every((e) => e.streamId === stream)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('appendToStreams is all or nothing: a failing revision check on a later stream writes none of them', async () => {
    const store = createSqliteEventStore(tempFile());
    try {
      await store.appendToStream('room-a', [{ type: 'RoomOpened', data: {} }]);
      await expect(
        store.appendToStreams([
          { streamId: 'room-b', events: [{ type: 'RoomOpened', data: {} }] },
          { streamId: 'room-a', events: [{ type: 'X', data: {} }], expectedRevision: 5n },
        ]),
      ).rejects.toThrow(/room-a.*revision 5/);
      await expect(store.readStream('room-b')).rejects.toThrow(/does not exist/);
      expect(await store.headPosition()).toBe(0n);
    } finally {
      await store.close();
    }
  });

  it('refuses a file written by a newer schema, naming the versions', async () => {
    const file = tempFile();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => createSqliteEventStore(file)).toThrow(/schema version 99.*upgrade Spillway/);
  });
});
