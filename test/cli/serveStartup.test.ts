import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSpillwayCommand } from '../support/spillwayCommand.ts';
import { makeTempDir } from '../support/tempDir.ts';

/** `spillway serve …` with a secret set (no development-secret warnings). */
const serveOnce = async (args: string[], env: NodeJS.ProcessEnv) => {
  const run = await runSpillwayCommand(['serve', ...args], {
    SPILLWAY_JWT_SECRET: 'a-test-secret-of-enough-length',
    ...env,
  });
  return { ...run, lines: run.stderrLines };
};

const listening = (): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const portOf = (server: Server): number => (server.address() as { port: number }).port;

/**
 * Every failed start of `serve` says in one line what to do and exits
 * non-zero, leaving nothing running (media workers were what kept it alive).
 */
describe('spillway serve when it cannot start', () => {
  const dir = makeTempDir('serve-startup');
  let taken: Server;
  let closedPort: number;

  beforeAll(async () => {
    taken = await listening();
    const closed = await listening();
    closedPort = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    dir.remove();
  });

  it('on a taken port: one line naming the port and how to choose one with npm start, exit 1', async () => {
    const run = await serveOnce(['--port', String(portOf(taken)), '--data', join(dir.path, 'port')], {
      SPILLWAY_MEDIA: 'on',
    });
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([
      `spillway: port ${portOf(taken)} on 127.0.0.1 is already in use: choose another with --port N, or PORT=N with npm start (e.g. PORT=4001 npm start).`,
    ]);
    process.stdout.write(`serve on a taken port exited after ${Math.round(run.ms)} ms\n`);
  });

  it('with REDIS_URL where no Redis answers: one line, exit 1', async () => {
    const run = await serveOnce(['--port', '0', '--data', join(dir.path, 'redis')], {
      SPILLWAY_MEDIA: 'on',
      REDIS_URL: `redis://127.0.0.1:${closedPort}`,
    });
    expect(run.code).toBe(1);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(
      /^spillway: REDIS_URL is redis:\/\/127\.0\.0\.1:\d+ but Redis did not answer there; start Redis/,
    );
  });

  it('with an event store that does not answer: one line, exit 1', async () => {
    const run = await serveOnce(['--port', '0', '--data', join(dir.path, 'store')], {
      SPILLWAY_MEDIA: 'on',
      EVENTSTORE_URL: `esdb://127.0.0.1:${closedPort}?tls=false`,
    });
    expect(run.code).toBe(1);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(
      /^spillway: cannot reach the event store \(EventStoreDB at esdb:\/\/127\.0\.0\.1:\d+\?tls=false\): .*; start it, or fix/,
    );
  });

  it('with a data folder that cannot be one: one line, exit 1', async () => {
    const file = join(dir.path, 'a-file');
    writeFileSync(file, '');
    const run = await serveOnce(['--port', '0', '--data', join(file, 'data')], { SPILLWAY_MEDIA: 'off' });
    expect(run.code).toBe(1);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^spillway: cannot use .*a-file.* choose a folder this user can write with --data/);
  });

  it('with bad configuration: one line per bad setting, exit 2', async () => {
    const run = await serveOnce([], { PORT: 'four-thousand', SPILLWAY_MEDIA: 'sometimes' });
    expect(run.code).toBe(2);
    expect(run.lines).toEqual([
      'spillway: port "four-thousand" must be a whole number from 0 to 65535 (--port or PORT).',
      'spillway: SPILLWAY_MEDIA "sometimes" must be on, off or cluster.',
    ]);
  });
});
