// A PostgreSQL cluster of the test's own (initdb + pg_ctl, its own folder and
// port), so a test can stop and start a server without touching the shared one.
import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The installed server's tools (Debian: /usr/lib/postgresql/<major>/bin; the newest if several). */
const bin = (): string => {
  const majors = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return join('/usr/lib/postgresql', majors[0] ?? '15', 'bin');
};

export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  /** `immediate`: the way a crash or a pulled cable looks to clients. */
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

/** Why a private cluster cannot be made here, or undefined when it can. */
export const privatePostgresUnavailable = (): string | undefined => {
  if (process.getuid?.() !== 0) return 'the tests are not running as root, and initdb must run as the postgres user';
  if (!existsSync('/usr/lib/postgresql')) return 'no PostgreSQL server tools under /usr/lib/postgresql';
  return undefined;
};

export interface PrivatePostgresOptions {
  /** The address it listens on and its URL names. Default 127.0.0.1. */
  readonly listen?: string;
  /** A network (CIDR) whose clients it trusts besides loopback, e.g. a test's own hosts. */
  readonly trust?: string;
}

export const createPrivatePostgres = async (options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> => {
  const listen = options.listen ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'spillway-pg-'));
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const asPostgres = (tool: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', join(bin(), tool), ...args]);
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  if (options.trust) appendFileSync(join(data, 'pg_hba.conf'), `host all all ${options.trust} trust\n`);
  const port = await freePort();
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=${listen} -c fsync=off -c max_connections=100`;
  let running = false;
  const cluster: PrivatePostgres = {
    url: `postgresql://postgres@${listen}:${port}/postgres`,
    port,
    async start() {
      await asPostgres('pg_ctl', ['-D', data, '-o', serverOptions, '-l', join(dir, 'log'), '-w', 'start']);
      running = true;
    },
    async stop() {
      if (!running) return;
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    async destroy() {
      await cluster.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
};
