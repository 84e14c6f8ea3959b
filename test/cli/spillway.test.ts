import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tempDir.ts';
import { runSpillway } from '../support/spillwayCommand.ts';

// Kept here too for the tests that import it from this file.
export { runSpillway };

describe('the spillway command', () => {
  const dir = makeTempDir('cli');
  afterAll(() => dir.remove());

  it('prints its version and help', async () => {
    const version = await runSpillway(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runSpillway(['--help']);
    expect(help.stdout).toContain('spillway demo');
    expect(help.stdout).toContain('spillway replay --events ROOM');
  });

  it('runs the in-process surge demo into the data folder: every listener placed, no room over its cap', async () => {
    const { code, stdout, stderr } = await runSpillway([
      'demo',
      'surge',
      '--in-process',
      '--listeners',
      '1500',
      '--capacity',
      '400',
      '--data',
      dir.path,
    ]);
    expect(code, stderr).toBe(0);
    const line = stdout.trim().split('\n').at(-1)!;
    expect(line).toMatch(
      /^surge demo: listeners=1500 admitted=1500 rooms=4 overcap=0 rate=\d+\/s p50=\d+\.\dms p99=\d+\.\dms lag_p99=\d+\.\dms$/,
    );
    expect(stdout).toMatch(/main 400\/400, 3 overflow rooms: 400 400 300/);
  });

  it.each([
    [['demo', '--listeners', '0'], /--listeners must be a whole number ≥ 1, not "0"/],
    [['demo', '--capacity', 'many'], /--capacity must be a whole number/],
    [['demo', 'nonsense'], /Unknown demo "nonsense"/],
    [['launch'], /Unknown command "launch"/],
    [['demo', '--frobnicate'], /frobnicate/],
  ])('refuses %j with one clear line and exit code 2', async (args, message) => {
    const { code, stderr } = await runSpillway(args, { SPILLWAY_DATA: dir.path });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('refuses an EVENTSTORE_URL that is not a connection string, naming it', async () => {
    const { code, stderr } = await runSpillway(['demo', '--listeners', '1'], { EVENTSTORE_URL: 'http://nope' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/EVENTSTORE_URL "http:\/\/nope" is not an EventStoreDB connection string/);
  });
});
