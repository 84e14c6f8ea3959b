import { appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { startMediaNode } from '../media/index.ts';
import { UsageError } from './usageError.ts';

export interface MediaNodeFlags {
  readonly 'node-id'?: string | undefined;
  readonly listen?: string | undefined;
  readonly announce?: string | undefined;
  readonly api?: string[] | undefined;
  readonly workers?: string | undefined;
  readonly 'listeners-per-worker'?: string | undefined;
  readonly 'control-port'?: string | undefined;
  readonly audit?: string | undefined;
}

const whole = (name: string, value: string | undefined, min: number, max: number): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${value}".`);
  return n;
};

/** `spillway media-node`: runs until SIGTERM or SIGINT, then tells the API nodes it leaves. */
export const runMediaNode = async (flags: MediaNodeFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> => {
  const secret = env.SPILLWAY_MEDIA_SECRET;
  if (secret === undefined || secret.length < 16)
    throw new UsageError('SPILLWAY_MEDIA_SECRET must be set to the API nodes’ media secret (at least 16 characters).');
  const apiUrls = flags.api ?? [];
  if (apiUrls.length === 0) throw new UsageError('--api URL is required: the API node(s) this media node reports to.');
  for (const url of apiUrls)
    if (!/^https?:\/\/[^/\s]+$/.test(url))
      throw new UsageError(`--api "${url}" must be an API node's base URL, such as http://10.0.0.1:4000.`);
  const listenIp = flags.listen ?? '127.0.0.1';
  if (!/^[0-9a-fA-F.:]+$/.test(listenIp)) throw new UsageError(`--listen "${listenIp}" must be an IP address.`);
  const nodeId =
    flags['node-id'] ??
    hostname()
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 64);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(nodeId))
    throw new UsageError(`--node-id "${nodeId}" must be 1 to 64 letters, digits, "-" or "_".`);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const workers = whole('workers', flags.workers, 1, 64);
  const listenersPerWorker = whole('listeners-per-worker', flags['listeners-per-worker'], 1, 100_000);
  const controlPort = whole('control-port', flags['control-port'], 0, 65_535);
  let lastComplaint = 0;
  const node = await startMediaNode({
    nodeId,
    secret,
    listenIp,
    apiUrls,
    ...(flags.announce ? { announcedAddress: flags.announce } : {}),
    ...(workers === undefined ? {} : { workers }),
    ...(listenersPerWorker === undefined ? {} : { listenersPerWorker }),
    ...(controlPort === undefined ? {} : { controlPort }),
    ...(flags.audit === undefined
      ? {}
      : { onRequest: (op: string, body: string) => appendFileSync(flags.audit!, `${JSON.stringify({ op, body })}\n`) }),
    onError: (error) => {
      // A heartbeat an API node missed is normal while it restarts; say so once in a while, not twice a second.
      if (Date.now() - lastComplaint < 10_000) return;
      lastComplaint = Date.now();
      log(`media-node ${nodeId}: ${error instanceof Error ? error.message : String(error)}`);
    },
  });
  process.stdout.write(
    [
      `spillway media node ${nodeId}`,
      `  control:  ${node.controlUrl}  (signed requests only)`,
      `  workers:  ${node.plane.inventory().workers.length}`,
      `  reports:  ${apiUrls.join(', ')}`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: leaving the control plane…`);
      void node.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log('stopped.');
};
