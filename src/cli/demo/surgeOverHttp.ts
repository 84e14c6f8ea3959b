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
  /** The family's rooms at most (main + overflow); undefined: the room's default. */
  readonly rooms?: number | undefined;
  /** Seated listeners who leave once everyone has joined. */
  readonly leave?: number;
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

interface JoinAnswer {
  joinRoom:
    | { __typename: 'Placement'; room: { id: string; parentId: string | null } }
    | { __typename: 'Queued'; position: number };
}

/**
 * The headliner's room, opened directly as a family of at most `rooms` rooms
 * (a session's room takes the default limit), with the headliner announced.
 */
const openFamily = async (url: string, producer: string, options: HttpSurgeOptions, rooms: number) => {
  const { openRoom } = await graphql<{ openRoom: { id: string } }>(url, producer, 'OpenRoom', {
    input: { title: 'Headliner live', capacity: options.capacity, maxOverflowRooms: rooms - 1 },
  });
  await graphql(url, producer, 'AnnounceHeadliner', {
    roomId: openRoom.id,
    userId: 'headliner',
    expectedAudience: options.listeners,
  });
  return openRoom.id;
};

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
    // 1. The producer books the headliner a few seconds ahead (or, for a family of --rooms rooms, opens it).
    let roomId: string;
    if (options.rooms !== undefined) {
      roomId = await openFamily(url, producer, options, options.rooms);
      print(
        `room ${roomId} opened as a family of at most ${options.rooms} rooms of ${options.capacity} seats (--rooms: no session, no prewarm)`,
      );
    } else {
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
      roomId = scheduleSession.roomId;
      await soon(async () => {
        const { sessions } = await graphql<{ sessions: Array<{ id: string; status: string }> }>(
          url,
          producer,
          'Sessions',
        );
        if (sessions.find((s) => s.id === scheduleSession.id)?.status !== 'opened') throw new Error('not open yet');
      }, 30_000);
    }
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
    const seated: Array<[string, string]> = [];
    let queuedOnJoin = 0;
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
          const { joinRoom } = await graphql<JoinAnswer>(url, token, 'JoinRoom', { roomId });
          latencies.push(performance.now() - sent);
          if (joinRoom.__typename === 'Queued') queuedOnJoin += 1;
          else {
            seated.push([userId, token]);
            if (!sample.has(joinRoom.room.id)) sample.set(joinRoom.room.id, userId);
          }
        } catch {
          failures += 1;
        }
        if ((latencies.length + failures) % 250 === 0) {
          const routers = media?.inventory().workers.reduce((sum, w) => sum + w.routers, 0);
          progress.update(
            latencies.length + failures,
            `| placed ${latencies.length - queuedOnJoin} | waiting ${queuedOnJoin} | ${sample.size - 1} overflow rooms${routers === undefined ? '' : ` | ${routers} routers`}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: options.clients }, client));
    const { rate } = progress.stop(options.listeners);
    if (failures > 0) print(`${failures} joins were refused (see ${server ? 'server.log' : "the server's log"})`);
    if (queuedOnJoin > 0) print(`${queuedOnJoin} listeners were told their place in the waiting room`);

    // 2b. Some seated listeners leave: each seat goes to the first in the waiting room, in the same turn.
    let left = 0;
    const leaving = seated.slice(0, options.leave ?? 0);
    if (leaving.length > 0) {
      const leaves = createProgress('leaving', leaving.length, 'listeners');
      let at = 0;
      const leaver = async (): Promise<void> => {
        for (let i = at++; i < leaving.length; i = at++) {
          const [userId, token] = leaving[i]!;
          await graphql(url, token, 'LeaveRoom', { roomId });
          left += 1;
          // A leaver was someone's sample listener: that room keeps another's ear only if it still has one.
          for (const [room, sampled] of sample) if (sampled === userId) sample.delete(room);
          if (left % 100 === 0) leaves.update(left);
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.clients, 32) }, leaver));
      leaves.stop(left);
    }

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
        queued: number;
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
    let waiting: SurgeReport['waiting'] = [];
    let queuePeak = 0;
    let admittedFromQueue = 0;
    for (const r of rooms) {
      const { roomAnalytics } = await graphql<{
        roomAnalytics: {
          queuePeak: number;
          admittedFromQueue: number;
          timeline: Array<{ second: string; listeners: number; queued: number }>;
        } | null;
      }>(url, producer, 'RoomTimeline', { id: r.roomId });
      const timeline = roomAnalytics?.timeline ?? [];
      timelines[r.roomId] = timeline.map(({ second, listeners }) => ({ second, listeners }));
      if (r.roomId === roomId) {
        waiting = timeline.map(({ second, queued }) => ({ second, queued }));
        queuePeak = roomAnalytics?.queuePeak ?? 0;
        admittedFromQueue = roomAnalytics?.admittedFromQueue ?? 0;
      }
    }
    latencies.sort((a, b) => a - b);
    lags.sort((a, b) => a - b);
    const report: SurgeReport = {
      listeners: options.listeners,
      admitted: room.familyListenerCount,
      rooms,
      overcap: rooms.reduce((sum, r) => sum + Math.max(0, r.listeners - r.capacity), 0),
      queuedOnJoin,
      queued: room.queued,
      queuePeak,
      admittedFromQueue,
      left,
      refused: failures,
      waiting,
      joinsPerSecond: rate,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      lagP99Ms: percentile(lags, 0.99),
      mediaDelivery,
      timelines,
    };
    const written = writeReport(folder, report);
    print(`rooms: ${rooms.map((r) => `${r.label} ${r.listeners}/${r.capacity}`).join(', ')}`);
    if (queuedOnJoin > 0 || left > 0) {
      print(
        `waiting room: ${queuedOnJoin} queued on joining, ${admittedFromQueue} seated from it as ${left} left, ${room.queued} still waiting with a position; ${failures} refused`,
      );
    }
    print(`report: ${written.json} and ${written.html}`);
    print(reportLine(report));
  } finally {
    clearInterval(sampler);
    for (const sender of senders) sender.stop();
    for (const receiver of receivers) receiver.close();
    await server?.stop();
  }
};
