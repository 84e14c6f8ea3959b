import { join as joinPath } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRoomCommands,
  createSpawnWindowWakeUps,
  WAKE_UP_ACTOR,
  type RoomCommands,
  type SpawnWindowWakeUps,
} from '../../src/commands/index.ts';
import { roomStreamId, type RoomCommand } from '../../src/domain/index.ts';
import { createSqliteEventStore, createSqliteSnapshotStore, type EventStore } from '../../src/eventstore/index.ts';
import { eventually } from '../scheduling/support.ts';
import { makeTempDir } from '../support/tempDir.ts';

/** The shortest spawn window a room takes: a second. */
const WINDOW_MS = 1000;

const command = (type: RoomCommand['type'], actor: string, data: object = {}): RoomCommand =>
  ({ type, data: { roomId: 'w', ...data }, metadata: { actor, at: new Date().toISOString() } }) as RoomCommand;

/**
 * The command path on the real SQLite log with its wake-ups wired as `serve`
 * wires them: a listener who waits only because the family spawned all it may
 * within its spawn window is seated when the window passes, with no other
 * command; a wake-up that finds nobody to seat writes nothing.
 */
describe('waking a waiting room when its spawn window passes', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const path = (): { commands: RoomCommands; wakeUps: SpawnWindowWakeUps; store: EventStore; errors: unknown[] } => {
    const dir = makeTempDir('wake-ups');
    const file = joinPath(dir.path, 'spillway.db');
    const store = createSqliteEventStore(file);
    const snapshots = createSqliteSnapshotStore(file);
    const errors: unknown[] = [];
    const late: { wakeUps?: SpawnWindowWakeUps } = {};
    const commands = createRoomCommands(store, snapshots, {
      onTurn: (familyId, state) => late.wakeUps?.observe(familyId, state),
    });
    const wakeUps = createSpawnWindowWakeUps({ send: (c) => commands.send(c), onError: (e) => errors.push(e) });
    late.wakeUps = wakeUps;
    cleanups.push(
      () => dir.remove(),
      () => store.close(),
      () => snapshots.close(),
      () => commands.close(),
      () => wakeUps.close(),
    );
    return { commands, wakeUps, store, errors };
  };
  /** One seat, one overflow room per window: `first` sits, `churner` spawns overflow-1 and leaves it (drained). */
  const churned = async (commands: RoomCommands, spawnWindowMs = WINDOW_MS) => {
    await commands.send(
      command('OpenRoom', 'mod', {
        title: 'Churn',
        capacity: 1,
        maxOverflowRooms: 1,
        queueCapacity: 5,
        spawnWindowMs,
      }),
    );
    await commands.send(command('JoinRoom', 'first'));
    await commands.send(command('JoinRoom', 'churner'));
    await commands.send(command('LeaveRoom', 'churner'));
  };

  it('seats the first in line once the window passes, by an AdmitFromQueue of its own, and no one else meanwhile', async () => {
    const { commands, store, errors } = path();
    await churned(commands);
    const waiting = await commands.send(command('JoinRoom', 'erin'));
    expect(waiting.events.map((e) => e.type)).toEqual(['ListenerQueued']);
    const placement = await eventually('erin to be seated', () => commands.placementOf('w', 'erin'), 10_000);
    expect(placement).toEqual({ roomId: 'w.overflow-2', role: 'listener' });
    const stream = await store.readStream(roomStreamId('w'));
    const woken = stream.filter((e) => e.metadata.actor === WAKE_UP_ACTOR).map((e) => e.type);
    expect(woken).toEqual(['ListenerAdmittedFromQueue', 'OverflowRoomSpawned', 'ListenerRedirectedToOverflow']);
    expect(errors).toEqual([]);
  });

  it('writes nothing when woken with nobody to seat: nobody waits, or the window still holds', async () => {
    const { commands, wakeUps, store, errors } = path();
    // A minute's window: erin still waits when woken.
    await churned(commands, 60_000);
    const appendedAfter = async (head: bigint) =>
      (await store.readStream(roomStreamId('w'))).filter((e) => e.position > head).map((e) => e.type);
    let head = await store.headPosition();
    wakeUps.wake(['w']);
    await commands.send(command('RaiseHand', 'first'));
    expect(await appendedAfter(head)).toEqual(['HandRaised']);
    await commands.send(command('JoinRoom', 'erin'));
    head = await store.headPosition();
    wakeUps.wake(['w']);
    await commands.send(command('LowerHand', 'first'));
    expect(await appendedAfter(head)).toEqual(['HandLowered']);
    expect(await commands.placementOf('w', 'erin')).toBeUndefined();
    expect(errors).toEqual([]);
  });
});
