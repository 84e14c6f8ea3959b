import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startApi } from '../support/apiServer.ts';
import { freePort } from '../support/freePort.ts';
import { runSpillway } from '../support/runSpillway.ts';
import { makeTempDir } from '../support/tempDir.ts';

describe('the spillway command', () => {
  const dir = makeTempDir('cli');
  afterAll(() => dir.remove());

  it('prints its version and help', async () => {
    const version = await runSpillway(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runSpillway(['--help']);
    for (const name of ['serve', 'token', 'demo', 'replay'])
      expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(help.stdout).toContain('spillway COMMAND --help');
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
    [['demo', 'surge', '--listeners', '0'], /^spillway: --listeners must be a whole number ≥ 1, not "0"\.$/],
    [['demo', 'surge', '--capacity', '-1'], /^spillway: --capacity must be a whole number ≥ 1, not "-1"\.$/],
    [['demo', 'surge', '--capacity', 'many'], /--capacity must be a whole number/],
    [['demo', 'surge', '--capacity'], /^spillway: --capacity needs a value; run spillway demo --help\.$/],
    [['demo', 'surge', '--port', 'x'], /port "x" must be a whole number from 0 to 65535/],
    [['demo', 'surge', '--url', 'http://127.0.0.1:9/graphql', '--port', '5'], /--port sets where the demo starts/],
    [['demo', 'nonsense'], /Unknown demo "nonsense"; the scenarios are: surge/],
    [['launch'], /Unknown command "launch"/],
    [['--port', '4000', 'serve'], /Give the command first/],
    [
      ['demo', 'surge', '--frobnicate'],
      /^spillway: spillway demo has no flag --frobnicate; run spillway demo --help\.$/,
    ],
    [['serve', '--frobnicate=1'], /^spillway: spillway serve has no flag --frobnicate; run spillway serve --help\.$/],
    [['serve', '--listeners', '3'], /spillway serve has no flag --listeners/],
    [['replay', '--in-process'], /spillway replay has no flag --in-process/],
    [['token', '--user', 'a', '--url', 'x'], /spillway token has no flag --url/],
    [['serve', 'now'], /spillway serve takes flags, not "now"/],
    [['demo', 'surge', '--in-process=yes'], /--in-process takes no value/],
  ])('refuses %j with one clear line and exit code 2', async (args, message) => {
    const { code, stderr } = await runSpillway(args, { SPILLWAY_DATA: dir.path });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(message);
  });

  it('gives each command its own --help, naming its own flags', async () => {
    const helps = new Map<string, string>();
    for (const args of [['serve'], ['token'], ['replay'], ['demo'], ['demo', 'surge']]) {
      const { code, stdout } = await runSpillway([...args, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: spillway ${args.join(' ')} `));
      helps.set(args.join(' '), stdout);
    }
    expect(new Set(helps.values()).size).toBe(5);
    expect(helps.get('serve')).toContain('--events-file FILE');
    expect(helps.get('token')).toContain('--role ROLE');
    expect(helps.get('replay')).toContain('--analytics ROOM');
    expect(helps.get('demo surge')).toContain('--port N');
    expect((await runSpillway(['help', 'replay'])).stdout).toBe(helps.get('replay'));
    expect((await runSpillway(['serve', '-h'])).stdout).toBe(helps.get('serve'));
  });

  it('lists the scenarios when `spillway demo` names none, and runs nothing', async () => {
    const { code, stdout, stderr } = await runSpillway(['demo'], { SPILLWAY_DATA: dir.path });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^spillway demo: choose a scenario\.\n/);
    expect(stderr).toMatch(/^ {2}surge {3}a famous guest arrives/m);
  });

  it('says in one line, without a stack, that the server behind --url cannot be reached', async () => {
    const dead = await freePort();
    const url = `http://127.0.0.1:${dead}/graphql`;
    const { code, stderr } = await runSpillway(['demo', 'surge', '--url', url, '--listeners', '5'], {
      SPILLWAY_DATA: dir.path,
    });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `spillway: could not reach 127.0.0.1:${dead} (ECONNREFUSED): is the server running, and is the URL right?`,
    );
  });

  it('says in one line when the server behind --url is not a GraphQL API, or refuses the demo’s tokens', async () => {
    const html = createServer((_request, response) => response.end('<!doctype html><p>not an API</p>'));
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    const api = await startApi('cli-demo-url');
    try {
      const page = `http://127.0.0.1:${(html.address() as AddressInfo).port}/graphql`;
      const notApi = await runSpillway(['demo', 'surge', '--url', page], { SPILLWAY_DATA: dir.path });
      expect(notApi.code).toBe(2);
      expect(notApi.stderr.trim()).toMatch(
        new RegExp(`^spillway: ${page} did not answer as a GraphQL API \\(.+\\)\\.$`),
      );
      const wrongSecret = await runSpillway(['demo', 'surge', '--url', api.url], {
        SPILLWAY_DATA: dir.path,
        SPILLWAY_JWT_SECRET: 'not-the-servers-secret-0123456789',
      });
      expect(wrongSecret.code).toBe(2);
      expect(wrongSecret.stderr.trim().split('\n')).toHaveLength(1);
      expect(wrongSecret.stderr).toMatch(
        /refused the demo's token \(UNAUTHENTICATED: .+\): run the demo with the server's SPILLWAY_JWT_SECRET/,
      );
      expect(await api.head()).toBe(-1n);
    } finally {
      html.close();
      await api.stop();
    }
  });

  it('refuses an EVENTSTORE_URL that is not a connection string, naming it', async () => {
    const { code, stderr } = await runSpillway(['demo', 'surge', '--listeners', '1'], {
      EVENTSTORE_URL: 'http://nope',
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/EVENTSTORE_URL "http:\/\/nope" is not an EventStoreDB connection string/);
  });
});
