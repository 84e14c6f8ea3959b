// npm run bench -- memory [--quick]
// What the command path holds in memory, measured as V8 heap after a full GC
// on the SQLite file store, in-process: per listener admitted into one
// family, per idle room while held and after the idle ones are let go, and
// per join to a room that does not exist (answered, then holding nothing).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRoomCommands } from '../src/commands/index.ts';
import { createSqliteEventStore, createSqliteSnapshotStore } from '../src/eventstore/index.ts';
import { makeTempDir } from '../test/support/tempDir.ts';
import { env, report } from './report.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = async (): Promise<number> => {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(10);
  }
  return process.memoryUsage().heapUsed;
};
const at = new Date().toISOString();

export const run = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({ args, options: { quick: { type: 'boolean' } } });
  const listeners = values.quick ? 10_000 : 50_000;
  const rooms = values.quick ? 1000 : 5000;
  const unknown = values.quick ? 20_000 : 100_000;
  report(`memory bench on ${env()}: V8 heap after GC, SQLite file store`);
  const dir = makeTempDir('bench-memory');
  const file = join(dir.path, 'spillway.db');
  const store = createSqliteEventStore(file);
  const snapshots = createSqliteSnapshotStore(file);
  // Long enough that every room is still held when measured on a busy machine.
  const idleMs = values.quick ? 5000 : 20_000;
  // A command path per part, so one part's rooms are not let go while the next is measured.
  let commands = createRoomCommands(store, snapshots);
  const nextPath = async (held: { idleMs?: number }) => {
    await commands.close();
    commands = createRoomCommands(store, snapshots, { held });
  };
  try {
    // Listeners: one family, cap 5,000, spilling into overflow rooms.
    let before = await heapAfterGc();
    await commands.send({
      type: 'OpenRoom',
      data: { roomId: 'family', title: 'Family', capacity: 5000, maxOverflowRooms: 1000 },
      metadata: { actor: 'mod', at },
    });
    for (let i = 0; i < listeners; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, listeners - i) }, (_, j) =>
          commands.send({ type: 'JoinRoom', data: { roomId: 'family' }, metadata: { actor: `l${i + j}`, at } }),
        ),
      );
    }
    const perListener = ((await heapAfterGc()) - before) / listeners;
    report(`memory per admitted listener: ${Math.round(perListener)} B (${listeners} listeners in one family)`);

    // Idle rooms: each opened with one listener, then left alone (a first round warms the code paths up).
    await nextPath({ idleMs });
    const openIdle = async (prefix: string, count: number): Promise<void> => {
      for (let i = 0; i < count; i += 500) {
        await Promise.all(
          Array.from({ length: Math.min(500, count - i) }, async (_, j) => {
            const roomId = `${prefix}-${i + j}`;
            const data = { roomId, title: roomId, capacity: 100 };
            await commands.send({ type: 'OpenRoom', data, metadata: { actor: 'mod', at } });
            await commands.send({ type: 'JoinRoom', data: { roomId }, metadata: { actor: 'one', at } });
          }),
        );
      }
    };
    await openIdle('warm-up', 500);
    await sleep(idleMs * 2);
    before = await heapAfterGc();
    await openIdle('idle', rooms);
    const heldRooms = commands.held();
    const whileHeld = ((await heapAfterGc()) - before) / Math.max(1, heldRooms);
    await sleep(idleMs * 3);
    const afterIdle = ((await heapAfterGc()) - before) / rooms;
    report(
      `memory per idle room: ${Math.round(whileHeld)} B while held (${heldRooms} families held), ${Math.round(afterIdle)} B after ${idleMs} ms idle (${commands.held()} held)`,
    );

    // Joins to rooms that do not exist: each answered ROOM_NOT_FOUND (again after a warm-up round).
    await nextPath({});
    const joinNowhere = async (prefix: string, count: number): Promise<number> => {
      let refused = 0;
      for (let i = 0; i < count; i += 1000) {
        const outcomes = await Promise.allSettled(
          Array.from({ length: Math.min(1000, count - i) }, (_, j) =>
            commands.send({ type: 'JoinRoom', data: { roomId: `${prefix}-${i + j}` }, metadata: { actor: 'u', at } }),
          ),
        );
        refused += outcomes.filter((o) => o.status === 'rejected').length;
      }
      return refused;
    };
    await joinNowhere('nowhere-warm-up', 5000);
    before = await heapAfterGc();
    const refused = await joinNowhere('nowhere', unknown);
    const perUnknown = ((await heapAfterGc()) - before) / unknown;
    report(
      `memory per join to an unknown room: ${perUnknown.toFixed(1)} B (${unknown} joins, ${refused} refused, ${commands.held()} families held after)`,
    );
    report(
      `memory freed by letting idle rooms go: ${Math.round(whileHeld - afterIdle)} of ${Math.round(whileHeld)} B per room`,
    );
  } finally {
    await commands.close();
    await snapshots.close();
    await store.close();
    dir.remove();
  }
};
