import { join as joinPath } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConcurrencyConflictError, createRoomCommands, type RoomCommands } from '../../src/commands/index.ts';
import type { RoomCommand } from '../../src/domain/index.ts';
import {
  createSqliteEventStore,
  createSqliteSnapshotStore,
  WrongExpectedRevisionError,
  type EventStore,
  type SnapshotStore,
} from '../../src/eventstore/index.ts';
import { makeTempDir } from '../support/tempDir.ts';

const at = '2026-12-01T09:00:00.000Z';
const command = (type: RoomCommand['type'], roomId: string, actor: string, data: object = {}) =>
  ({ type, data: { roomId, ...data }, metadata: { actor, at } }) as RoomCommand;

/** The port's unit test: the real SQLite stores, wrapped so a step can be made to fail on demand. */
type Step = 'snapshot load' | 'stream read' | 'append' | 'append conflict' | 'snapshot save';
const failing = (store: EventStore, snapshots: SnapshotStore) => {
  const failures = new Set<Step>();
  const fail = (step: Step) => {
    if (!failures.has(step)) return;
    if (step === 'append conflict') throw new WrongExpectedRevisionError('room-x', 0n, 1n);
    throw new Error(`injected: the ${step} failed`);
  };
  return {
    failures,
    store: {
      ...store,
      readStream: async (...args: Parameters<EventStore['readStream']>) => {
        fail('stream read');
        return store.readStream(...args);
      },
      appendToStreams: async (...args: Parameters<EventStore['appendToStreams']>) => {
        fail('append');
        fail('append conflict');
        return store.appendToStreams(...args);
      },
    } satisfies EventStore,
    snapshots: {
      ...snapshots,
      load: async (streamId: string) => {
        fail('snapshot load');
        return snapshots.load(streamId);
      },
      save: async (streamId: string, revision: bigint, data: unknown) => {
        fail('snapshot save');
        return snapshots.save(streamId, revision, data);
      },
    } satisfies SnapshotStore,
  };
};

describe('every caller is answered when a step of the command path fails', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const bench = () => {
    const dir = makeTempDir('command-failures');
    const file = joinPath(dir.path, 'spillway.db');
    const store = createSqliteEventStore(file);
    const snapshots = createSqliteSnapshotStore(file);
    const wrapped = failing(store, snapshots);
    cleanups.push(
      () => dir.remove(),
      () => store.close(),
      () => snapshots.close(),
    );
    /** A command path over the wrapped stores: a new one holds no room, so its first turn loads. */
    const path = (): RoomCommands => {
      const commands = createRoomCommands(wrapped.store, wrapped.snapshots, { snapshotEvery: 1 });
      cleanups.push(() => commands.close());
      return commands;
    };
    return { path, failures: wrapped.failures };
  };
  /** Many joins sent at once: they queue behind the first turn and the rest are decided together. */
  const crowd = (commands: RoomCommands, roomId: string, n: number, from = 0) =>
    Promise.allSettled(Array.from({ length: n }, (_, i) => commands.send(command('JoinRoom', roomId, `u${from + i}`))));
  const reasons = (settled: PromiseSettledResult<unknown>[]) =>
    settled.map((s) => (s.status === 'rejected' ? String((s.reason as Error).message) : 'answered'));

  for (const step of ['snapshot load', 'stream read'] as const) {
    it(`a failing ${step} rejects every command of the batch with that error; the room works after`, async () => {
      const { path, failures } = bench();
      await path().send(command('OpenRoom', 'hall', 'mod', { title: 'Hall', capacity: 1000 }));
      const commands = path();
      failures.add(step);
      const settled = await crowd(commands, 'hall', 50);
      expect(reasons(settled)).toEqual(Array.from({ length: 50 }, () => `injected: the ${step} failed`));
      failures.clear();
      const result = await commands.send(command('JoinRoom', 'hall', 'after'));
      expect(result.events.map((e) => e.type)).toEqual(['ListenerAdmitted']);
    });
  }

  it('a failing append rejects every command of the batch, and the next ones are decided on the log', async () => {
    const { path, failures } = bench();
    const commands = path();
    await commands.send(command('OpenRoom', 'hall', 'mod', { title: 'Hall', capacity: 1000 }));
    failures.add('append');
    const settled = await crowd(commands, 'hall', 50);
    expect(reasons(settled)).toEqual(Array.from({ length: 50 }, () => 'injected: the append failed'));
    failures.clear();
    // None of the failed joins happened: the same users join again, as new listeners.
    const again = await crowd(commands, 'hall', 50);
    expect(reasons(again)).toEqual(Array.from({ length: 50 }, () => 'answered'));
  });

  it('an append that keeps conflicting ends in one ConcurrencyConflictError per caller', async () => {
    const { path, failures } = bench();
    const commands = path();
    await commands.send(command('OpenRoom', 'hall', 'mod', { title: 'Hall', capacity: 1000 }));
    failures.add('append conflict');
    const settled = await crowd(commands, 'hall', 20);
    expect(settled.every((s) => s.status === 'rejected' && s.reason instanceof ConcurrencyConflictError)).toBe(true);
  });

  it('a failing snapshot save does not fail commands already in the log, nor stop the mailbox', async () => {
    const { path, failures } = bench();
    const commands = path();
    await commands.send(command('OpenRoom', 'hall', 'mod', { title: 'Hall', capacity: 1000 }));
    failures.add('snapshot save');
    const settled = await crowd(commands, 'hall', 30);
    expect(reasons(settled)).toEqual(Array.from({ length: 30 }, () => 'answered'));
    const later = await crowd(commands, 'hall', 30, 30);
    expect(reasons(later)).toEqual(Array.from({ length: 30 }, () => 'answered'));
  });

  it('a room id too long for the log is refused at once with a sentence naming the limit', async () => {
    const { path } = bench();
    const commands = path();
    const long = 'r'.repeat(996);
    const answered = await Promise.allSettled([
      commands.send(command('JoinRoom', long, 'u1')),
      commands.send(command('OpenRoom', long, 'mod', { title: 'Long', capacity: 10 })),
    ]);
    for (const outcome of answered) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'INVALID_COMMAND' });
      expect(String((outcome as PromiseRejectedResult).reason.message)).toMatch(
        /^roomId must be 1 to 100 letters, digits, "-" or "_" \(an overflow room's adds ".overflow-N"\), not "r{59}…\.$/,
      );
    }
  });
});
