import { join } from 'node:path';
import fc from 'fast-check';
import { createRoomCommands, type RoomCommands } from '../../src/commands/index.ts';
import type { RoomCommand } from '../../src/domain/index.ts';
import {
  createSqliteEventStore,
  createSqliteSnapshotStore,
  type EventStore,
  type SnapshotStore,
} from '../../src/eventstore/index.ts';
import { makeTempDir } from '../support/tempDir.ts';

export interface Workbench {
  readonly dir: string;
  readonly file: string;
  readonly store: EventStore;
  readonly snapshots: SnapshotStore;
  readonly commands: RoomCommands;
  close(): Promise<void>;
}

export const openWorkbench = (label: string): Workbench => {
  const temp = makeTempDir(label);
  const file = join(temp.path, 'spillway.db');
  const store = createSqliteEventStore(file);
  const snapshots = createSqliteSnapshotStore(file);
  const commands = createRoomCommands(store, snapshots);
  return {
    dir: temp.path,
    file,
    store,
    snapshots,
    commands,
    async close() {
      await commands.close();
      await snapshots.close();
      await store.close();
      temp.remove();
    },
  };
};

const at = (ms: number) => new Date(Date.UTC(2026, 10, 28, 21, 0, 0) + ms).toISOString();

/**
 * A random but valid-looking workload over a few rooms: opens, joins, leaves,
 * hands, invites, a headliner, some ends. Commands the domain refuses are
 * part of it (they must change no read model).
 */
export const randomWorkload = (seed: number, steps: number): RoomCommand[] => {
  const rooms = ['alpha', 'beta', 'gamma'];
  const users = Array.from({ length: 40 }, (_, i) => `u${i}`);
  const commands: RoomCommand[] = rooms.map((roomId, i) => ({
    type: 'OpenRoom',
    data: { roomId, title: `Room ${roomId}`, capacity: 3 + i, speakerCapacity: 3, maxOverflowRooms: 4 },
    metadata: { actor: `mod-${roomId}`, at: at(0) },
  }));
  const pick = fc.sample(
    fc.tuple(fc.constantFrom(...rooms), fc.constantFrom(...users), fc.integer({ min: 0, max: 99 })),
    { seed, numRuns: steps },
  );
  pick.forEach(([roomId, user, dice], i) => {
    const metadata = { actor: user, at: at(1000 * (i + 1)) };
    const asModerator = { actor: `mod-${roomId}`, at: metadata.at };
    if (dice < 45) commands.push({ type: 'JoinRoom', data: { roomId }, metadata });
    else if (dice < 65) commands.push({ type: 'LeaveRoom', data: { roomId }, metadata });
    else if (dice < 72) commands.push({ type: 'RaiseHand', data: { roomId }, metadata });
    else if (dice < 76) commands.push({ type: 'LowerHand', data: { roomId }, metadata });
    else if (dice < 82) commands.push({ type: 'InviteToSpeak', data: { roomId, userId: user }, metadata: asModerator });
    else if (dice < 88) commands.push({ type: 'AcceptInvite', data: { roomId }, metadata });
    else if (dice < 91) commands.push({ type: 'MoveToAudience', data: { roomId, userId: user }, metadata });
    else if (dice < 94)
      commands.push({
        type: 'AnnounceHeadliner',
        data: { roomId, userId: user, expectedAudience: 100 },
        metadata: asModerator,
      });
    else if (dice < 97) commands.push({ type: 'MarkHeadlinerArrived', data: { roomId }, metadata: asModerator });
    else if (dice < 98 && i > steps * 0.9) commands.push({ type: 'EndRoom', data: { roomId }, metadata: asModerator });
    else commands.push({ type: 'JoinRoom', data: { roomId: `${roomId}.overflow-1` }, metadata });
  });
  return commands;
};

/** Sends commands in order, a few at a time (so some share a batch); returns the last position written. */
export const play = async (
  commands: RoomCommands,
  workload: RoomCommand[],
  onStep?: (i: number, position: bigint) => Promise<void>,
): Promise<bigint> => {
  let last = -1n;
  for (let i = 0; i < workload.length; i += 4) {
    const results = await Promise.allSettled(workload.slice(i, i + 4).map((c) => commands.send(c)));
    for (const r of results) if (r.status === 'fulfilled' && r.value.position > last) last = r.value.position;
    await onStep?.(i, last);
  }
  return last;
};
