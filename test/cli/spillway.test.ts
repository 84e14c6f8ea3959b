import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/eventstore/index.ts';
import { makeTempDir } from '../support/tempDir.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/spillway.js', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('the spillway command', () => {
  const dir = makeTempDir('cli');
  afterAll(() => dir.remove());

  it('prints its version and help', async () => {
    const version = await run(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await run(['--help']);
    expect(help.stdout).toContain('spillway demo');
  });

  it('runs the event-store demo into the data folder, and the log holds every admission', async () => {
    const { code, stdout, stderr } = await run(['demo', '--listeners', '1500', '--batch', '50', '--data', dir.path]);
    expect(code, stderr).toBe(0);
    const line = stdout.trim().split('\n').at(-1)!;
    expect(line).toMatch(
      /^eventstore demo: room=room-\S+ events=1501 admitted=1500 rate=\d+\/s lag_p50=\d+ms lag_p99=\d+ms$/,
    );
    const stream = /room=(\S+)/.exec(line)![1]!;
    const store = createSqliteEventStore(`${dir.path}/spillway.db`);
    const events = await store.readStream(stream);
    await store.close();
    expect(events.filter((e) => e.type === 'ListenerAdmitted')).toHaveLength(1500);
  });

  it.each([
    [['demo', '--listeners', '0'], /--listeners must be a whole number ≥ 1, not "0"/],
    [['demo', '--batch', 'many'], /--batch must be a whole number/],
    [['demo', 'nonsense'], /Unknown demo "nonsense"/],
    [['launch'], /Unknown command "launch"/],
    [['demo', '--frobnicate'], /frobnicate/],
  ])('refuses %j with one clear line and exit code 2', async (args, message) => {
    const { code, stderr } = await run(args, { SPILLWAY_DATA: dir.path });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('refuses an EVENTSTORE_URL that is not a connection string, naming it', async () => {
    const { code, stderr } = await run(['demo', '--listeners', '1'], { EVENTSTORE_URL: 'http://nope' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/EVENTSTORE_URL "http:\/\/nope" is not an EventStoreDB connection string/);
  });
});
