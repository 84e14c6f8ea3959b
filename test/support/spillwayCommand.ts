import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `spillway …` as an operator runs it, to its end. A run still going after
 * `timeoutMs` is killed (code null): a hang is a failure, not a wait.
 */
export const runSpillwayCommand = (args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 15_000) =>
  new Promise<{ code: number | null; stdout: string; stderrLines: string[]; ms: number }>((resolve) => {
    const started = performance.now();
    const child = execFile(
      process.execPath,
      ['bin/spillway.js', ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? child.exitCode : 0,
          stdout,
          stderrLines: stderr.split('\n').filter((line) => line.trim() !== ''),
          ms: performance.now() - started,
        }),
    );
  });
