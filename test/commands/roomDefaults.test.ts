import { join as joinPath } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRoomCommands, type RoomCommandOptions } from '../../src/commands/index.ts';
import { roomStreamId, type RoomCommand, type RoomOpened } from '../../src/domain/index.ts';
import { createSqliteEventStore, createSqliteSnapshotStore } from '../../src/eventstore/index.ts';
import { makeTempDir } from '../support/tempDir.ts';

const metadata = { actor: 'producer', at: '2026-12-01T20:00:00.000Z' };
const open = (roomId: string, extra: Record<string, unknown> = {}): RoomCommand => ({
  type: 'OpenRoom',
  data: { roomId, title: 'Star night', capacity: 10, ...extra },
  metadata,
});
const prewarm = (roomId: string, extra: Record<string, unknown> = {}): RoomCommand => ({
  type: 'PrewarmRoom',
  data: { roomId, title: 'Star night', capacity: 10, expectedAudience: 25, ...extra },
  metadata,
});

/**
 * The deployment's settings for the rooms it opens are stamped onto every
 * command that opens one, whoever sends it (the API, a session's job), unless
 * the command names its own; on the real SQLite log, read back from it.
 */
describe('the deployment’s room settings on the command path', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const path = (options: RoomCommandOptions) => {
    const dir = makeTempDir('room-defaults');
    const file = joinPath(dir.path, 'spillway.db');
    const store = createSqliteEventStore(file);
    const snapshots = createSqliteSnapshotStore(file);
    const commands = createRoomCommands(store, snapshots, options);
    cleanups.push(
      () => dir.remove(),
      () => store.close(),
      () => snapshots.close(),
      () => commands.close(),
    );
    const opened = async (roomId: string): Promise<RoomOpened['data']> => {
      const [first] = await store.readStream(roomStreamId(roomId));
      expect(first?.type).toBe('RoomOpened');
      return first!.data as RoomOpened['data'];
    };
    return { commands, opened };
  };

  it('gives rooms opened and prewarmed the configured waiting room and spawn window, and gates prewarmed ones on media', async () => {
    const { commands, opened } = path({
      roomDefaults: { queueCapacity: 7, spawnWindowMs: 90_000 },
      gateJoinsOnMedia: true,
    });
    await commands.send(open('byhand'));
    await commands.send(prewarm('warm'));
    for (const roomId of ['byhand', 'warm']) {
      expect(await opened(roomId)).toMatchObject({ queueCapacity: 7, spawnWindowMs: 90_000, mediaGated: true });
      const { settings, mediaSeats } = (await commands.load(roomId)).state.snapshot.context;
      expect(settings).toMatchObject({ queueCapacity: 7, spawnWindowMs: 90_000 });
      expect(mediaSeats).toBe(0);
    }
  });

  it('keeps what a command names, and without settings records what the domain defaults to', async () => {
    const configured = path({ roomDefaults: { queueCapacity: 7, spawnWindowMs: 90_000 } });
    await configured.commands.send(open('own', { queueCapacity: 0, spawnWindowMs: 30_000 }));
    expect(await configured.opened('own')).toMatchObject({ queueCapacity: 0, spawnWindowMs: 30_000 });
    expect((await configured.opened('own')).mediaGated).toBeUndefined();

    const plain = path({});
    await plain.commands.send(prewarm('plain'));
    const data = await plain.opened('plain');
    expect(data.queueCapacity).toBe(50_000);
    // The default window is not recorded: such rooms' events read as they did before it was a setting.
    expect('spawnWindowMs' in data).toBe(false);
    expect((await plain.commands.load('plain')).state.snapshot.context.settings.spawnWindowMs).toBe(600_000);
  });

  it('refuses a spawn window out of range, writing nothing', async () => {
    const { commands } = path({});
    await expect(commands.send(open('bad', { spawnWindowMs: 10 }))).rejects.toMatchObject({
      code: 'INVALID_COMMAND',
      message: expect.stringMatching(/spawnWindowMs must be a whole number from 1000 to 86400000/) as unknown,
    });
    expect((await commands.load('bad')).revision).toBe(-1n);
  });
});
