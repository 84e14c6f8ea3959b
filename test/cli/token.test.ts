import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_JWT_SECRET } from '../../src/runtime/config.ts';
import { signToken } from '../../src/runtime/index.ts';
import { postGraphQL } from '../support/apiServer.ts';
import { startServeProcess, type ServeProcess } from '../support/serveProcess.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'token-test-secret-of-some-length';

/** The environment without any Spillway settings, plus `extra`. */
const cleanEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('SPILLWAY_') || name === 'REDIS_URL') delete env[name];
  return { ...env, ...extra };
};

const spillway = async (args: string[], env: NodeJS.ProcessEnv) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/spillway.js', ...args], {
      cwd: root,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!;
const claimsOf = async (token: string, secret: string) =>
  (await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] })).payload;

describe('spillway token', () => {
  it('prints a token alone on its last line, signed with SPILLWAY_JWT_SECRET, carrying the user and roles', async () => {
    const { code, stdout, stderr } = await spillway(
      ['token', '--user', 'alice', '--role', 'producer'],
      cleanEnv({ SPILLWAY_JWT_SECRET: SECRET }),
    );
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    const token = lastLine(stdout);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = await claimsOf(token, SECRET);
    expect(claims).toMatchObject({ sub: 'alice', roles: ['producer'] });
    expect(claims.exp! - claims.iat!).toBe(12 * 3600);
    await expect(claimsOf(token, DEVELOPMENT_JWT_SECRET)).rejects.toThrow(/signature verification failed/);
  });

  it('takes several roles, and listener when none is given', async () => {
    const env = cleanEnv({ SPILLWAY_JWT_SECRET: SECRET });
    const several = await spillway(['token', '--user', 'pat', '--role', 'producer', '--role', 'analyst'], env);
    expect((await claimsOf(lastLine(several.stdout), SECRET)).roles).toEqual(['producer', 'analyst']);
    const none = await spillway(['token', '--user', 'lee'], env);
    expect((await claimsOf(lastLine(none.stdout), SECRET)).roles).toEqual(['listener']);
  });

  it('sets the lifetime from --expires-in, and refuses one it cannot read', async () => {
    const env = cleanEnv({ SPILLWAY_JWT_SECRET: SECRET });
    const short = await spillway(['token', '--user', 'lee', '--expires-in', '30m'], env);
    const claims = await claimsOf(lastLine(short.stdout), SECRET);
    expect(claims.exp! - claims.iat!).toBe(30 * 60);
    const bad = await spillway(['token', '--user', 'lee', '--expires-in', 'forever'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd()).toBe(
      'spillway: --expires-in must be a lifetime such as 30m, 12h or 7d, not "forever".',
    );
  });

  it.each([
    ['NODE_ENV=production, no secret', ['serve', '--port', '0'], { NODE_ENV: 'production' }],
    ['--production, no secret', ['serve', '--port', '0', '--production'], {}],
    [
      'NODE_ENV=production, the development secret',
      ['serve', '--port', '0'],
      { NODE_ENV: 'production', SPILLWAY_JWT_SECRET: DEVELOPMENT_JWT_SECRET },
    ],
  ])('production mode refuses to start on %s: one line, exit 2', async (_name, args, extra) => {
    const dir = makeTempDir('cli-production');
    try {
      const { code, stdout, stderr } = await spillway(
        [...args, '--data', dir.path],
        cleanEnv({ SPILLWAY_MEDIA: 'off', ...extra }),
      );
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trimEnd()).toBe(
        'spillway: production mode needs SPILLWAY_JWT_SECRET (at least 16 characters, not the development secret) or SPILLWAY_JWKS_URL.',
      );
    } finally {
      dir.remove();
    }
  });

  it.each([
    [
      ['token', '--user', 'alice', '--role', 'admin'],
      /^spillway: Unknown role "admin"; use listener, producer, analyst\.$/,
    ],
    [['token', '--role', 'producer'], /^spillway: --user must be 1 to 100 letters, digits/],
    [['token', '--user', 'a b'], /^spillway: --user must be/],
    [['token', '--user'], /--user/],
  ])('refuses %j with one line on stderr and exit code 2', async (args, message) => {
    const { code, stdout, stderr } = await spillway(args, cleanEnv({ SPILLWAY_JWT_SECRET: SECRET }));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(message);
  });
});

describe('spillway serve and spillway token without SPILLWAY_JWT_SECRET', () => {
  const dir = makeTempDir('cli-dev-secret');
  const namespace = serverNamespace('cli-dev-secret');
  let server: ServeProcess | undefined;
  afterAll(async () => {
    const outcome = await server?.stop();
    dir.remove();
    await namespace.remove();
    expect(outcome?.code, outcome?.stderr).toBe(0);
  });

  it('agree on the development secret, and serve warns about it on stderr', async () => {
    const env = cleanEnv({ SPILLWAY_MEDIA: 'off', ...namespace.env });
    const minted = await spillway(['token', '--user', 'alice', '--role', 'producer'], env);
    expect(minted.code, minted.stderr).toBe(0);
    expect(minted.stderr).toMatch(/signed with the development secret \(SPILLWAY_JWT_SECRET is not set\)/);
    const token = lastLine(minted.stdout);
    expect(await claimsOf(token, DEVELOPMENT_JWT_SECRET)).toMatchObject({ sub: 'alice', roles: ['producer'] });

    server = await startServeProcess(['--port', '0', '--data', dir.path], env);
    const warnings = server
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('WARNING:'));
    expect(warnings).toEqual([
      'WARNING: SPILLWAY_JWT_SECRET is not set: tokens are signed with the built-in DEVELOPMENT secret.',
      'WARNING: anyone can mint tokens for this server. Set SPILLWAY_JWT_SECRET before exposing it.',
    ]);
    const viewer = await postGraphQL(server.url, '{ viewer { id roles } }', { token });
    expect(viewer.data).toEqual({ viewer: { id: 'alice', roles: ['producer'] } });
    const opened = await postGraphQL(server.url, 'mutation { openRoom(input: { title: "Dev" }) { moderators } }', {
      token,
    });
    expect(opened.data).toEqual({ openRoom: { moderators: ['alice'] } });
    const foreign = await postGraphQL(server.url, '{ viewer { id } }', { token: await signToken(SECRET, 'eve', []) });
    expect(foreign.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});
