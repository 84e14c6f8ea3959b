// The README's shell examples, run as written and in order (see
// test/support/readmeBlocks.ts for which blocks run and how markers change
// that). They name 127.0.0.1:4000, as a reader's machine has it; to run them
// untouched without taking that port on a shared machine, they run inside a
// network namespace of their own, which has its own loopback (and no Redis:
// the server says it uses in-process timers). The only thing set from
// outside is SPILLWAY_DATA, a variable the README documents, pointing at a
// temporary folder; TOKEN and ROOM_ID come from the README's own commands.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeBlocks, type ReadmeBlock } from './support/readmeBlocks.ts';
import { makeTempDir } from './support/tempDir.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
/** How long one block may take (the first npx and the server's start are slow on a loaded machine). */
const BLOCK_MS = 120_000;
const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));

const cannotRun = ((): string | undefined => {
  if (process.getuid?.() !== 0) return 'a network namespace needs root (CI runs as root)';
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return '`ip netns` is not available (iproute2)';
  return undefined;
})();
if (cannotRun) console.log(`README examples not run: ${cannotRun}`);

const ip = (...args: string[]): void => {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
};

interface Running {
  readonly block: ReadmeBlock;
  readonly child: ChildProcess;
  output(): string;
  /** The exit code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
}

describe.skipIf(cannotRun)('the README, run as written', () => {
  const dir = makeTempDir('readme');
  const namespace = `spw-readme-${randomUUID().slice(0, 8)}`;
  const state = join(dir.path, 'variables.sh');
  const background: Running[] = [];
  let server: Running | undefined;

  beforeAll(() => {
    ip('netns', 'add', namespace);
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
    writeFileSync(state, '');
  });
  afterAll(async () => {
    for (const running of [...background, ...(server ? [server] : [])]) stop(running, 'SIGKILL');
    await Promise.all(background.map((b) => b.exited));
    await server?.exited;
    // Anything a block left behind in the namespace goes with it.
    const pids = spawnSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8' }).stdout.split('\n');
    for (const pid of pids.filter(Boolean)) spawnSync('kill', ['-9', pid]);
    ip('netns', 'delete', namespace);
    dir.remove();
  });

  // A reader's shell: none of this runner's Spillway settings (nor vitest's NODE_ENV=test), only SPILLWAY_DATA.
  const readerEnv: NodeJS.ProcessEnv = { npm_config_update_notifier: 'false', FORCE_COLOR: '0' };
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(SPILLWAY_|VITEST|REDIS_URL$|EVENTSTORE_URL$|PORT$|HOST$|NODE_ENV$|TEST$)/.test(name))
      readerEnv[name] = value;
  }
  readerEnv.SPILLWAY_DATA = join(dir.path, 'data');

  /**
   * One block in its own bash, inside the namespace, in the repository's
   * folder: the variables earlier blocks set are loaded first and what this
   * one sets is saved after (`set -a` exports every assignment). Only blocks
   * run in turn save: a server or a background feed runs beside the blocks
   * after it, and one that ends by itself (a waiting room's feed, once seated)
   * must neither race their saving nor put back what they changed.
   */
  const start = (block: ReadmeBlock): Running => {
    const save = block.mode === 'run' ? `export -p > ${state}.next; mv ${state}.next ${state}\n` : '';
    const script = `set -a; . ${state}; set -euo pipefail\n${block.script}\n${save}`;
    const child = spawn('ip', ['netns', 'exec', namespace, 'bash', '-c', script], {
      cwd: root,
      env: readerEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
      child.once('close', (code, signal) => resolve(code ?? signal)),
    );
    return { block, child, output: () => output, exited };
  };
  /** Signals the block's whole process group (bash, npx, node, curl), as Ctrl-C in its terminal would. */
  const stop = (running: Running, signal: NodeJS.Signals): void => {
    if (running.child.exitCode !== null || running.child.signalCode !== null) return;
    try {
      process.kill(-running.child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  const until = async (what: () => string, ms: number, done: () => boolean): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`gave up after ${ms / 1000} s waiting for ${what()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const where = (block: ReadmeBlock) => `README line ${block.line}:\n${block.script}\n---`;
  const checkOutput = (running: Running): void => {
    const output = running.output();
    // A GraphQL answer with errors is a failed example even though curl exits 0.
    expect(output, `${where(running.block)}\n${output}`).not.toMatch(/"errors"\s*:/);
    for (const text of running.block.expect) expect(output, `${where(running.block)}\n${output}`).toContain(text);
  };
  const stopServer = async (): Promise<void> => {
    if (!server) return;
    // Ctrl-C in its terminal: SIGINT to the whole group (bash, npx, node). serve drains and says "stopped.";
    // npx, like a shell, may then end by the same signal rather than with serve's 0.
    stop(server, 'SIGINT');
    const ended = await server.exited;
    expect([0, 'SIGINT'], `the server (${where(server.block)}) on Ctrl-C:\n${server.output()}`).toContain(ended);
    expect(server.output()).toMatch(/^stopped\.$/m);
    checkOutput(server);
    server = undefined;
  };

  it('has sh examples, and a server for them', () => {
    expect(blocks.filter((b) => b.mode === 'server')).toHaveLength(1);
    expect(blocks.filter((b) => b.mode === 'run').length).toBeGreaterThanOrEqual(4);
  });

  it.each(blocks.map((block) => [block.line, block] as const))(
    'runs the block at line %i',
    async (_line, block) => {
      if (block.mode === 'skip') {
        console.log(`README line ${block.line} not run: ${block.skipReason}`);
        return;
      }
      if (block.stopServerFirst) {
        for (const running of background) stop(running, 'SIGINT');
        await stopServer();
        for (const running of background.splice(0)) {
          await running.exited;
          checkOutput(running);
        }
      }
      const running = start(block);
      if (block.mode === 'server') {
        await until(
          () => `"spillway serving" from ${where(block)}\n${running.output()}`,
          BLOCK_MS,
          () => {
            if (running.child.exitCode !== null) throw new Error(`${where(block)} exited:\n${running.output()}`);
            return running.output().includes('spillway serving');
          },
        );
        server = running;
        return;
      }
      if (block.mode === 'background') {
        // Connected once the server has answered (an SSE stream starts with a comment line, or the first event).
        await until(
          () => `${where(block)} to connect`,
          20_000,
          () => running.output().length > 0 || running.child.exitCode !== null,
        );
        expect(running.child.exitCode, `${where(block)} ended by itself:\n${running.output()}`).toBeNull();
        background.push(running);
        return;
      }
      const timer = setTimeout(() => stop(running, 'SIGKILL'), BLOCK_MS);
      const code = await running.exited;
      clearTimeout(timer);
      expect(code, `${where(block)}\n${running.output()}`).toBe(0);
      checkOutput(running);
    },
    BLOCK_MS + 30_000,
  );

  it('stops the server cleanly at the end, and every background block saw what it expects', async () => {
    for (const running of background) stop(running, 'SIGINT');
    for (const running of background.splice(0)) {
      await running.exited;
      checkOutput(running);
    }
    await stopServer();
  }, 60_000);
});
