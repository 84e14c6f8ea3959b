// A control host (the API and its SQLite log, in this process) and media
// nodes on other hosts (`spillway media-node` processes), for the cross-host
// tests and the media benchmark.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createControlClient, type MediaInventory } from '../../../src/media/index.ts';
import type { RoomEvent } from '../../../src/domain/index.ts';
import { loadConfig, serve, type RunningServer } from '../../../src/runtime/index.ts';
import { serverNamespace } from '../../support/serverNamespace.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import { eventually } from '../rtp.ts';
import { createHosts, type Host, type Hosts } from './hosts.ts';

export const MEDIA_SECRET = 'cluster-test-media-secret-0123456789';
export const JWT_SECRET = 'cluster-test-jwt-secret-0123456789';

export interface MediaHost {
  readonly host: Host;
  process: ChildProcess;
  readonly auditFile: string;
  /** Starts the host's media node again (after a kill). */
  restart(): ChildProcess;
}

export interface Cluster {
  readonly hosts: Hosts;
  readonly api: RunningServer;
  readonly media: Record<string, MediaHost>;
  readonly at: () => { actor: string; at: string };
  /** Every control request the host's media node received, as (op, raw body). */
  audit(name: string): Array<{ op: string; body: string }>;
  inventory(name: string): Promise<MediaInventory>;
  /** The node each room of a family is placed on, as the API's read model has it. */
  placement(familyId: string): Record<string, string>;
  /** Opens a room of capacity 1 by `speaker`, and joins listeners: the first in the main room, the others overflow. */
  openFamily(
    roomId: string,
    title: string,
    speaker: string,
    listeners: readonly string[],
  ): Promise<{ overflowRooms: string[] }>;
  close(): Promise<void>;
}

export const startCluster = async (
  names: readonly string[],
  /** corsOrigin: a page's origin that may call the API (the browser tests serve their page elsewhere). */
  options: { workers?: number; listenersPerWorker?: number; lostAfterMs?: number; corsOrigin?: string } = {},
): Promise<Cluster> => {
  const hosts = createHosts(names);
  if (hosts.reason) console.log(`cross-host media: hosts are loopback addresses because ${hosts.reason}`);
  const dir = makeTempDir('media-cluster');
  const namespace = serverNamespace('media-cluster');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SPILLWAY_JWT_SECRET: JWT_SECRET,
    SPILLWAY_MEDIA: 'cluster',
    SPILLWAY_MEDIA_SECRET: MEDIA_SECRET,
    ...namespace.env,
    ...(options.corsOrigin ? { SPILLWAY_CORS_ORIGINS: options.corsOrigin } : {}),
  };
  delete env.REDIS_URL;
  let api: RunningServer | undefined;
  const media: Record<string, MediaHost> = {};
  const close = async () => {
    await api?.stop();
    const exited = Object.values(media).map(
      (m) =>
        new Promise((resolve) =>
          m.process.exitCode !== null || m.process.signalCode !== null
            ? resolve(null)
            : m.process.once('close', resolve),
        ),
    );
    for (const m of Object.values(media)) {
      m.host.restore([m.process]);
      if (m.process.exitCode === null && m.process.signalCode === null) m.process.kill('SIGKILL');
    }
    await Promise.all(exited);
    hosts.destroy();
    dir.remove();
    await namespace.remove();
  };
  try {
    api = await serve(loadConfig({ dataDir: dir.path, port: '0', host: hosts.controlIp }, env), {
      onInternalError: (error) => console.log(`API internal error: ${String(error)}`),
      logger: pino({ name: 'spillway', level: 'error' }, pino.destination(2)),
    });
    const base = api.url.replace(/\/graphql$/, '');
    for (const host of hosts.hosts) {
      const auditFile = join(dir.path, `audit-${host.name}.jsonl`);
      const start = () => {
        const child = host.spawnNode(
          [
            'bin/spillway.js',
            'media-node',
            '--api',
            base,
            '--listen',
            host.ip,
            '--node-id',
            host.name,
            '--workers',
            String(options.workers ?? 1),
            ...(options.listenersPerWorker === undefined
              ? []
              : ['--listeners-per-worker', String(options.listenersPerWorker)]),
            '--audit',
            auditFile,
          ],
          { SPILLWAY_MEDIA_SECRET: MEDIA_SECRET },
        );
        child.stderr?.on('data', (chunk: Buffer) => {
          const text = chunk.toString();
          if (!/SIGTERM|stopped|leaving/.test(text)) process.stderr.write(`[media ${host.name}] ${text}`);
        });
        return child;
      };
      const entry: MediaHost = {
        host,
        process: start(),
        auditFile,
        restart: () => (entry.process = start()),
      };
      media[host.name] = entry;
    }
    const running = api;
    const joined = await eventually(
      () => running.engine.readModels.mediaCluster.nodes().filter((n) => n.status === 'joined').length === names.length,
      20_000,
    );
    if (!joined)
      throw new Error(`media nodes did not join: ${JSON.stringify(running.engine.readModels.mediaCluster.nodes())}`);
  } catch (error) {
    await close();
    throw error;
  }
  const running = api;
  const client = createControlClient(MEDIA_SECRET);
  const at = () => ({ actor: 'test', at: new Date().toISOString() });
  return {
    hosts,
    api: running,
    media,
    at,
    audit: (name) =>
      readFileSync(media[name]!.auditFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { op: string; body: string }),
    inventory: async (name) => {
      const node = running.engine.readModels.mediaCluster.nodes().find((n) => n.nodeId === name)!;
      return client.call<MediaInventory>(node.controlUrl, 'inventory', {});
    },
    placement: (familyId) => running.engine.readModels.mediaCluster.placement(familyId)?.rooms ?? {},
    async openFamily(roomId, title, speaker, listeners) {
      const { commands } = running.engine;
      await commands.send({
        type: 'OpenRoom',
        data: { roomId, title, capacity: 1 },
        metadata: { ...at(), actor: speaker },
      });
      // Its joins are admitted within the seats media holds for it: wait for the first grant.
      const granted = await eventually(
        () => (running.engine.readModels.capacityPlan(roomId)?.mediaSeats ?? 0) >= listeners.length,
        10_000,
      );
      if (!granted) throw new Error(`no media seats were granted to room ${roomId}`);
      const overflowRooms: string[] = [];
      for (const userId of listeners) {
        const result = await commands.send({
          type: 'JoinRoom',
          data: { roomId },
          metadata: { ...at(), actor: userId },
        });
        for (const event of result.events as RoomEvent[])
          if (event.type === 'ListenerRedirectedToOverflow' && !overflowRooms.includes(event.data.overflowRoomId))
            overflowRooms.push(event.data.overflowRoomId);
        await running.engine.readModels.waitFor(result.position);
      }
      return { overflowRooms };
    },
    close,
  };
};

/** Retries `work` while media is catching up (a room not yet on its node, a producer not yet piped). */
export const retrying = async <T>(
  work: () => Promise<T>,
  ready: (value: T) => boolean = () => true,
  ms = 10_000,
): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const value = await work();
      if (ready(value) || Date.now() > until) return value;
    } catch (error) {
      if (Date.now() > until) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
