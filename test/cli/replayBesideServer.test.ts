import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/runtime/index.ts';
import { postGraphQL, TEST_SECRET } from '../support/apiServer.ts';
import { startServeProcess, type ServeProcess } from '../support/serveProcess.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { runSpillwayCommand } from '../support/spillwayCommand.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * `spillway replay` next to the `spillway serve` that uses the same data
 * folder: the server holds the folder, replay refuses to swap its read
 * models in one line, and the server keeps answering correctly after.
 */
describe('spillway replay beside a live server', () => {
  const dir = makeTempDir('replay-beside');
  const data = join(dir.path, 'data');
  // serve finds the shared Redis even without REDIS_URL: its queue is this test's own, removed after.
  const namespace = serverNamespace('replay-beside');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SPILLWAY_JWT_SECRET: TEST_SECRET,
    SPILLWAY_MEDIA: 'off',
    REDIS_URL: '',
    ...namespace.env,
  };
  delete env.SPILLWAY_DATA;
  delete env.SPILLWAY_EVENTS;
  delete env.EVENTSTORE_URL;
  let server: ServeProcess | undefined;
  let token = '';

  const openRoom = async (title: string): Promise<string> => {
    const reply = await postGraphQL<{ openRoom: { id: string } }>(
      server!.url,
      `mutation { openRoom(input: { title: "${title}" }) { id } }`,
      { token },
    );
    if (!reply.data) throw new Error(JSON.stringify(reply.errors));
    return reply.data.openRoom.id;
  };
  const titleOf = async (roomId: string): Promise<string | undefined> => {
    const reply = await postGraphQL<{ room: { title: string } | null }>(
      server!.url,
      `{ room(id: "${roomId}") { title } }`,
      {
        token,
      },
    );
    return reply.data?.room?.title;
  };
  const replay = (args: string[] = []) => runSpillwayCommand(['replay', '--data', data, ...args], env, 60_000);

  beforeAll(async () => {
    token = await signToken(TEST_SECRET, 'moderator', ['listener', 'producer', 'analyst']);
    server = await startServeProcess(['--port', '0', '--data', data], env);
  });
  afterAll(async () => {
    await server?.stop();
    dir.remove();
    await namespace.remove();
  });

  it('refuses to rebuild the read models under a live server, in one line, and the server still answers', async () => {
    const before = await openRoom('before replay');
    const run = await replay();
    expect(run.code).toBe(2);
    expect(run.stderrLines).toEqual([
      `spillway: the server at ${server!.url} (pid ${server!.pid}) is using the read models of ${data}: stop it, replay, and start it again; or replay a copy of the folder with --data COPY.`,
    ]);
    const after = await openRoom('after replay');
    expect(await titleOf(before)).toBe('before replay');
    expect(await titleOf(after)).toBe('after replay');
  });

  it('exports events and analytics beside it without touching its read models', async () => {
    const roomId = await openRoom('exported');
    const events = await replay(['--events', roomId]);
    expect(events.code).toBe(0);
    expect(events.stdout).toContain('"type":"RoomOpened"');
    const analytics = await replay(['--analytics', roomId]);
    expect(analytics.code, analytics.stderrLines.join('\n')).toBe(0);
    expect(analytics.stdout.split('\n')[0]).toBe(
      'second,listeners,familyListeners,joins,leaves,queued,admittedFromQueue',
    );
    const next = await openRoom('after the exports');
    expect(await titleOf(roomId)).toBe('exported');
    expect(await titleOf(next)).toBe('after the exports');
  });

  it('a second server on the same folder refuses in one line', async () => {
    const second = await runSpillwayCommand(['serve', '--port', '0', '--data', data], env);
    expect(second.code).toBe(1);
    expect(second.stderrLines).toEqual([
      `spillway: the data folder ${data} is served by another spillway (pid ${server!.pid}, ${server!.url}): stop it, or give this one its own folder with --data or SPILLWAY_DATA.`,
    ]);
  });

  it('once the server is killed (even with SIGKILL) the folder is free: replay rebuilds, a new server starts', async () => {
    const roomId = await openRoom('survives');
    process.kill(server!.pid, 'SIGKILL');
    await server!.stop();
    expect(existsSync(join(data, 'serve.lock'))).toBe(true);
    const run = await replay();
    expect(run.code, run.stderrLines.join('\n')).toBe(0);
    expect(run.stdout).toMatch(/^replay: rebuilt /m);
    server = await startServeProcess(['--port', '0', '--data', data], env);
    expect(await titleOf(roomId)).toBe('survives');
    await server.stop();
    expect(existsSync(join(data, 'serve.lock'))).toBe(false);
  });
});
