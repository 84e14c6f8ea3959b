import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchLines } from './childProcess.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ServeProcess {
  /** The API's URL, from the "API:" line on stdout. */
  readonly url: string;
  readonly pid: number;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** The stdout lines so far (the startup summary). */
  stdout(): readonly string[];
  /** Sends SIGTERM; resolves with the exit code and signal (safe to call twice). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `node argv…` from the repository's root with this environment (by default on this host). */
export type NodeLauncher = (argv: readonly string[], env: NodeJS.ProcessEnv) => ChildProcess;

const onThisHost: NodeLauncher = (argv, env) =>
  spawn(process.execPath, [...argv], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * `node bin/spillway.js serve …` as its own process, as an operator runs it
 * (`launch` puts it elsewhere, e.g. on a test host); resolves once it prints
 * its "API:" line (rejects if it exits first).
 */
export const startServeProcess = (
  args: string[],
  env: NodeJS.ProcessEnv,
  launch: NodeLauncher = onThisHost,
): Promise<ServeProcess> => {
  const child = launch(['bin/spillway.js', 'serve', ...args], env);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const exited = watchLines(child, (line) => {
      lines.push(line);
      const url = /^\s*API:\s+(\S+)/.exec(line)?.[1];
      if (!url) return;
      let stopping: ReturnType<ServeProcess['stop']> | undefined;
      resolve({
        url,
        pid: child.pid!,
        stderr: () => stderr,
        stdout: () => lines,
        stop: () => {
          stopping ??= (async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            const outcome = await exited;
            return { ...outcome, stderr };
          })();
          return stopping;
        },
      });
    });
    exited.then(
      ({ code, signal }) => reject(new Error(`spillway serve exited (${code ?? signal}) before serving:\n${stderr}`)),
      reject,
    );
  });
};

/**
 * Starts API nodes of one deployment: each its own data folder under
 * `folder`, all over one SQLite log there. `env` is used without the
 * caller's SPILLWAY_DATA, SPILLWAY_EVENTS and EVENTSTORE_URL.
 */
export const nodesOfOneLog = (folder: string, env: NodeJS.ProcessEnv) => {
  const clean = { ...env };
  delete clean.SPILLWAY_DATA;
  delete clean.SPILLWAY_EVENTS;
  delete clean.EVENTSTORE_URL;
  const events = join(folder, 'events.db');
  return (name: string): Promise<ServeProcess> =>
    startServeProcess(['--port', '0', '--data', join(folder, name), '--events-file', events], clean);
};
