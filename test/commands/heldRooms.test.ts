import { join as joinPath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createRoomCommands, type MailboxLimits } from '../../src/commands/index.ts';
import type { RoomCommand } from '../../src/domain/index.ts';
import { createSqliteEventStore, createSqliteSnapshotStore } from '../../src/eventstore/index.ts';
import { makeTempDir } from '../support/tempDir.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const at = '2026-12-01T09:00:00.000Z';
const command = (type: RoomCommand['type'], roomId: string, actor: string, data: object = {}) =>
  ({ type, data: { roomId, ...data }, metadata: { actor, at } }) as RoomCommand;

/** What the command path keeps in memory, on the real SQLite file store. */
describe('the rooms the command path holds', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const path = (held?: Partial<MailboxLimits>) => {
    const dir = makeTempDir('held-rooms');
    const file = joinPath(dir.path, 'spillway.db');
    const store = createSqliteEventStore(file);
    const snapshots = createSqliteSnapshotStore(file);
    const commands = createRoomCommands(store, snapshots, held ? { held } : {});
    cleanups.push(
      () => dir.remove(),
      () => store.close(),
      () => snapshots.close(),
      () => commands.close(),
    );
    return commands;
  };

  it('100,000 joins to rooms that do not exist: each refused, nothing held after, RSS within 64 MB', async () => {
    const commands = path();
    const joinNowhere = async (from: number, n: number) => {
      let refused = 0;
      for (let i = from; i < from + n; i += 1000) {
        const outcomes = await Promise.allSettled(
          Array.from({ length: 1000 }, (_, j) => commands.send(command('JoinRoom', `nowhere-${i + j}`, 'intruder'))),
        );
        for (const o of outcomes) if (o.status === 'rejected' && o.reason.code === 'ROOM_NOT_FOUND') refused += 1;
      }
      return refused;
    };
    // Warm up first: the JIT, SQLite's statement cache and page cache are not what is measured.
    await joinNowhere(0, 5000);
    gc();
    const rssBefore = process.memoryUsage().rss;
    expect(await joinNowhere(5000, 100_000)).toBe(100_000);
    await sleep(20);
    gc();
    const grownMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    process.stdout.write(`RSS after 100,000 joins to unknown rooms: ${grownMb.toFixed(1)} MB more\n`);
    expect(commands.held()).toBe(0);
    expect(grownMb).toBeLessThan(64);
  });

  it('lets idle families go after idleMs; the next command reloads them from the log', async () => {
    const commands = path({ idleMs: 200 });
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await commands.send(command('OpenRoom', `room-${i}`, 'mod', { title: `Room ${i}`, capacity: 1 }));
        await commands.send(command('JoinRoom', `room-${i}`, 'first'));
      }),
    );
    expect(commands.held()).toBe(20);
    await sleep(800);
    expect(commands.held()).toBe(0);
    // Reloaded as the log has it: the seat is taken, so the next listener spills, and "first" is there already.
    const spilled = await commands.send(command('JoinRoom', 'room-3', 'second'));
    expect(spilled.events.map((e) => e.type)).toEqual(['OverflowRoomSpawned', 'ListenerRedirectedToOverflow']);
    await expect(commands.send(command('JoinRoom', 'room-3', 'first'))).rejects.toMatchObject({
      code: 'ALREADY_IN_ROOM',
    });
    expect(commands.held()).toBe(1);
  });

  it('holds at most maxHeld families, letting the least recently used go first', async () => {
    const commands = path({ maxHeld: 5 });
    for (let i = 0; i < 30; i++) await commands.send(command('OpenRoom', `r${i}`, 'mod', { title: 'R', capacity: 5 }));
    expect(commands.held()).toBe(5);
    const joined = await commands.send(command('JoinRoom', 'r0', 'u'));
    expect(joined.events.map((e) => e.type)).toEqual(['ListenerAdmitted']);
  });
});
