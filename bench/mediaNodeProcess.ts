// A `spillway media-node` process on this host's loopback for a bench's
// server in cluster mode (SPILLWAY_MEDIA=cluster): started as a child, it
// joins the control plane over HTTP, and is stopped with SIGTERM (it tells
// the API it leaves) once the bench is done with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../src/runtime/index.ts';

const BIN = fileURLToPath(new URL('../bin/spillway.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface MediaNodeProcess {
  readonly nodeId: string;
  /** Seats it offers: workers × listeners per worker. */
  readonly capacity: number;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

/** Starts a media node reporting to `server`, and resolves once the server has it as joined. */
export const startMediaNodeProcess = async (
  server: RunningServer,
  options: { nodeId: string; secret: string; workers: number; listenersPerWorker: number },
): Promise<MediaNodeProcess> => {
  const child = spawn(
    process.execPath,
    [
      // As bin/spillway.js's own line runs it (`node bin/spillway.js` skips that line).
      '--max-semi-space-size=64',
      BIN,
      'media-node',
      '--api',
      server.url.replace(/\/graphql$/, ''),
      '--listen',
      '127.0.0.1',
      '--node-id',
      options.nodeId,
      '--workers',
      String(options.workers),
      '--listeners-per-worker',
      String(options.listenersPerWorker),
    ],
    { env: { ...process.env, SPILLWAY_MEDIA_SECRET: options.secret }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-2000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const gone = exited(child);
    const killed = sleep(10_000).then(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    await Promise.race([gone, killed]);
    await gone;
  };
  const deadline = Date.now() + 30_000;
  const joined = () =>
    server.engine.readModels.mediaCluster.nodes().some((n) => n.nodeId === options.nodeId && n.status === 'joined');
  while (!joined()) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`media node ${options.nodeId} did not join the control plane: ${errors.trim() || 'no output'}`);
    }
    await sleep(50);
  }
  return { nodeId: options.nodeId, capacity: options.workers * options.listenersPerWorker, stop };
};
