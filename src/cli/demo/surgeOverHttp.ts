import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  loadConfig,
  serve,
  signToken,
  type MediaPlane,
  type RunningServer,
  type SpillwayConfig,
} from '../../runtime/index.ts';
import { createProgress } from '../progress.ts';
import { UsageError } from '../usageError.ts';
import { graphql } from './graphqlClient.ts';
import { RtpReceiver, startListener, startSpeaker } from './plainRtp.ts';
import { overflowLabel, reportLine, writeReport, type SurgeReport } from './report.ts';

export interface HttpSurgeOptions {
  readonly listeners: number;
  readonly capacity: number;
  readonly speakers: number;
  /** Joins per second at most; undefined: as fast as it goes. */
  readonly rate: number | undefined;
  readonly clients: number;
  /** Drive a running server instead of starting one. */
  readonly url: string | undefined;
  readonly out: string | undefined;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `work` until it succeeds or `ms` passes (media follows the log a moment later). */
const soon = async <T>(work: () => Promise<T>, ms = 10_000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() > until) throw error;
      await sleep(100);
    }
  }
};

/**
 * Before a run against someone else's server: one line if it is not a
 * Spillway API, or if it refuses the demo's tokens (signed with this
 * process's SPILLWAY_JWT_SECRET, which must be the server's).
 */
const checkServer = async (url: string, producer: string): Promise<void> => {
  let viewer: { viewer: { id: string; roles: string[] } | null };
  try {
    viewer = await graphql(url, producer, 'DashboardViewer');
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new UsageError(`${url} did not answer as a GraphQL API (${error.message}).`);
    if (error instanceof Error && /^UNAUTHENTICATED\b/.test(error.message)) {
      throw new UsageError(
        `${url} refused the demo's token (${error.message}): run the demo with the server's SPILLWAY_JWT_SECRET.`,
      );
    }
    throw error;
  }
  if (!viewer.viewer?.roles.includes('producer'))
    throw new UsageError(`${url} did not take the demo's producer token as a producer.`);
};

interface Placement {
  joinRoom: { room: { id: string; parentId: string | null } };
}

/**
 * The main job, end to end over the real API: a producer schedules a
 * headliner a few seconds ahead (prewarm runs), the room opens, the
 * headliner arrives, and a crowd joins over HTTP with many concurrent
 * clients. Speakers send real RTP into the main room and a listener in every
 * room counts what arrives. Writes report.json and report.html.
 */
export const runHttpSurgeDemo = async (config: SpillwayConfig, options: HttpSurgeOptions): Promise<void> => {
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const folder = options.out ?? join(config.dataDir, `demo-${new Date().toISOString().replaceAll(':', '-')}`);
  let server: RunningServer | undefined;
  if (!options.url) {
    // The server's request log (a line per join and per /metrics poll) would bury the progress bar: it goes
    // to a file beside the report. A queue of its own, unless SPILLWAY_QUEUE names one, keeps its jobs apart
    // from any other server's on the same Redis.
    mkdirSync(folder, { recursive: true });
    const logFile = join(folder, 'server.log');
    server = await serve(
      loadConfig(
        { dataDir: config.dataDir, port: String(config.api.port) },
        { ...process.env, SPILLWAY_QUEUE: process.env.SPILLWAY_QUEUE || `demo-${randomUUID()}` },
      ),
      { logger: pino({ name: 'spillway' }, pino.destination(logFile)) },
    );
    print(`server: ${server.url} (${server.schedulerReason}); its log: ${logFile}`);
  }
  const url = options.url ?? server!.url;
  const secret = config.api.jwtSecret;
  const media: MediaPlane | undefined = server?.media;
  const producer = await signToken(secret, 'producer', ['producer']);
  if (options.url) await checkServer(options.url, producer);
  const lags: number[] = [];
  const metricsUrl = url.replace(/\/graphql$/, '/metrics');
  const sampler = setInterval(() => {
    void fetch(metricsUrl)
      .then((r) => r.text())
      .then((text) => {
        const match = /^spillway_projection_lag_milliseconds (\d+(\.\d+)?)/m.exec(text);
        if (match) lags.push(Number(match[1]));
      })
      .catch(() => undefined);
  }, 100);
  const senders: Array<{ stop(): void }> = [];
  const receivers: RtpReceiver[] = [];
  try {
    // 1. The producer books the headliner a few seconds ahead.
    const startsAt = new Date(Date.now() + 4000).toISOString();
    const { scheduleSession } = await graphql<{ scheduleSession: { id: string; roomId: string } }>(
      url,
      producer,
      'ScheduleSession',
      {
        input: {
          title: 'Headliner live',
          startsAt,
          headlinerUserId: 'headliner',
          expectedAudience: options.listeners,
          leadTimeMs: 2000,
          capacity: options.capacity,
        },
      },
    );
    print(`session ${scheduleSession.id} scheduled for ${startsAt}: prewarm in 2 s, doors in 4 s`);
    const roomId = scheduleSession.roomId;
    await soon(async () => {
      const { sessions } = await graphql<{ sessions: Array<{ id: string; status: string }> }>(
        url,
        producer,
        'Sessions',
      );
      if (sessions.find((s) => s.id === scheduleSession.id)?.status !== 'opened') throw new Error('not open yet');
    }, 30_000);
    await graphql(url, producer, 'MarkHeadlinerArrived', { roomId });
    const speakerIds = ['producer', 'headliner'];
    for (let i = 2; i < options.speakers; i += 1) {
      const userId = `speaker-${i}`;
      const token = await signToken(secret, userId, ['listener']);
      await graphql(url, token, 'JoinRoom', { roomId });
      await graphql(url, producer, 'InviteToSpeak', { roomId, userId });
      await graphql(url, token, 'AcceptInvite', { roomId });
      speakerIds.push(userId);
    }
    print(`room ${roomId} open; the headliner arrived; ${options.speakers} on stage`);
    if (media) {
      for (const [i, userId] of speakerIds.slice(0, options.speakers).entries()) {
        const speaker = await soon(() => startSpeaker(media, roomId, userId, 1000 + i));
        senders.push(speaker.sender);
      }
    }

    // 2. The crowd joins over HTTP.
    const progress = createProgress('joining', options.listeners, 'listeners');
    const latencies: number[] = [];
    const sample = new Map<string, string>();
    let next = 0;
    let failures = 0;
    const started = performance.now();
    const client = async (): Promise<void> => {
      while (next < options.listeners) {
        const i = next++;
        if (options.rate) {
          const due = started + (i / options.rate) * 1000;
          if (due > performance.now()) await sleep(due - performance.now());
        }
        const userId = `listener-${i}`;
        const token = await signToken(secret, userId, ['listener']);
        const sent = performance.now();
        try {
          const placed = await graphql<Placement>(url, token, 'JoinRoom', { roomId });
          latencies.push(performance.now() - sent);
          if (!sample.has(placed.joinRoom.room.id)) sample.set(placed.joinRoom.room.id, userId);
        } catch {
          failures += 1;
        }
        if ((latencies.length + failures) % 250 === 0) {
          const routers = media?.inventory().workers.reduce((sum, w) => sum + w.routers, 0);
          progress.update(
            latencies.length + failures,
            `| placed ${latencies.length} | ${sample.size - 1} overflow rooms${routers === undefined ? '' : ` | ${routers} routers`}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: options.clients }, client));
    const { rate } = progress.stop(options.listeners);
    if (failures > 0) print(`${failures} joins were refused (see ${server ? 'server.log' : "the server's log"})`);

    // 3. A listener in every room counts the speakers' packets for two seconds.
    let mediaDelivery: number | null = null;
    if (media && senders.length > 0) {
      for (const [placedRoom, userId] of sample) {
        const receiver = await RtpReceiver.open();
        receivers.push(receiver);
        await soon(() => startListener(media, placedRoom, userId, receiver));
      }
      await sleep(500);
      const before = receivers.map((r) => r.total());
      await sleep(2000);
      const received = receivers.reduce((sum, r, i) => sum + r.total() - before[i]!, 0);
      const expected = receivers.length * senders.length * 50 * 2;
      mediaDelivery = Math.min(1, received / expected);
    }

    // 4. The figures, from the read models once they caught up.
    await sleep(300);
    const { room } = await graphql<{
      room: {
        title: string;
        listenerCount: number;
        familyListenerCount: number;
        capacity: number;
        overflowRooms: Array<{ id: string; listenerCount: number; capacity: number }>;
      };
    }>(url, producer, 'RoomCounts', { id: roomId });
    const rooms = [
      { roomId, label: room.title, listeners: room.listenerCount, capacity: room.capacity },
      ...room.overflowRooms.map((o, i) => ({
        roomId: o.id,
        label: overflowLabel(o.id, i),
        listeners: o.listenerCount,
        capacity: o.capacity,
      })),
    ];
    const timelines: SurgeReport['timelines'] = {};
    for (const r of rooms) {
      const { roomAnalytics } = await graphql<{
        roomAnalytics: { timeline: Array<{ second: string; listeners: number }> } | null;
      }>(url, producer, 'RoomTimeline', { id: r.roomId });
      timelines[r.roomId] = roomAnalytics?.timeline ?? [];
    }
    latencies.sort((a, b) => a - b);
    lags.sort((a, b) => a - b);
    const report: SurgeReport = {
      listeners: options.listeners,
      admitted: room.familyListenerCount,
      rooms,
      overcap: rooms.reduce((sum, r) => sum + Math.max(0, r.listeners - r.capacity), 0),
      joinsPerSecond: rate,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      lagP99Ms: percentile(lags, 0.99),
      mediaDelivery,
      timelines,
    };
    const written = writeReport(folder, report);
    print(`rooms: ${rooms.map((r) => `${r.label} ${r.listeners}/${r.capacity}`).join(', ')}`);
    print(`report: ${written.json} and ${written.html}`);
    print(reportLine(report));
  } finally {
    clearInterval(sampler);
    for (const sender of senders) sender.stop();
    for (const receiver of receivers) receiver.close();
    await server?.stop();
  }
};
