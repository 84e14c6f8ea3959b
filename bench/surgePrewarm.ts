// The surge bench's prewarm pass: the first N joins (default 20,000) of a
// headliner's crowd over HTTP, against a running server with mediasoup
// workers, twice in one run: into a room opened at the doors with nothing made
// ahead (every overflow room and router is made during the surge), and into a
// session's room prewarmed for the crowd (the overflow rooms and their routers
// exist before the doors open). The load is autocannon in its own process
// (joinLoad.ts); a producer sends plain RTP into the main room throughout.
// After the surge one more listener joins, lands in the last overflow room,
// and the time from its join to its first RTP packet is the first audio.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig, serve, signToken, type RunningServer } from '../src/runtime/index.ts';
import { RtpReceiver, startListener, startSpeaker } from '../src/cli/demo/plainRtp.ts';
import { makeTempDir } from '../test/support/tempDir.ts';
import { load, type LoadResult } from './joinLoad.ts';

const SECRET = 'bench-secret-of-sufficient-length';
const CAPACITY = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PrewarmPassResult extends LoadResult {
  readonly joins: number;
  /** Rooms of the family after the surge (main + overflow). */
  readonly rooms: number;
  /** Where the measured listener was placed, and from its join to its first RTP packet. */
  readonly lastRoom: string;
  readonly firstAudioMs: number;
}

const graphql = async <T>(url: string, token: string, query: string, variables: Record<string, unknown> = {}) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors || !body.data) throw new Error(`${query}: ${body.errors?.map((e) => e.message).join('; ')}`);
  return body.data;
};

/** Tries `attempt` until it resolves: media follows the log, so a signaling call may come before its placement. */
const retrying = async <T>(what: string, attempt: () => Promise<T>, ms = 30_000): Promise<T> => {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (performance.now() > deadline) throw new Error(`surge prewarm: ${what} kept failing`, { cause: error });
      await sleep(2);
    }
  }
};

const until = async (what: string, check: () => boolean, ms = 60_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`surge prewarm: timed out waiting for ${what}`);
    await sleep(20);
  }
};

/** The family's room: opened at the doors (cold), or a session's, prewarmed for `audience` and open by now. */
const openFamily = async (server: RunningServer, audience: number, prewarm: boolean): Promise<string> => {
  const producer = await signToken(SECRET, 'producer', ['producer']);
  if (!prewarm) {
    const roomId = `cold-${randomUUID().slice(0, 8)}`;
    await server.engine.commands.send({
      type: 'OpenRoom',
      data: { roomId, title: 'Headliner', capacity: CAPACITY },
      metadata: { actor: 'producer', at: new Date().toISOString() },
    });
    return roomId;
  }
  const { scheduleSession } = await graphql<{ scheduleSession: { id: string } }>(
    server.url,
    producer,
    `
      mutation ($input: ScheduleSessionInput!) {
        scheduleSession(input: $input) {
          id
        }
      }
    `,
    {
      input: {
        title: 'Headliner',
        startsAt: new Date(Date.now() + 4000).toISOString(),
        headlinerUserId: 'star',
        expectedAudience: audience,
        leadTimeMs: 3500,
        capacity: CAPACITY,
      },
    },
  );
  const roomId = scheduleSession.id;
  await until('the doors to open', () => server.engine.readModels.room(roomId)?.doorsOpen === true);
  return roomId;
};

/** One pass on a server of its own: the surge, then one more listener timed to its first audio. */
const pass = async (joins: number, connections: number, prewarm: boolean): Promise<PrewarmPassResult> => {
  const dir = makeTempDir('bench-surge-prewarm');
  const config = loadConfig(
    { dataDir: dir.path, port: '0', host: '127.0.0.1' },
    {
      SPILLWAY_JWT_SECRET: SECRET,
      SPILLWAY_MEDIA: 'on',
      SPILLWAY_SCHEDULER: 'timers',
      SPILLWAY_WARM_DRAIN_MS: '600000',
    },
  );
  const server = await serve(config, { mutationsPerSecond: 1e9, logger: pino({ level: 'warn' }) });
  const media = server.media!;
  const receiver = await RtpReceiver.open();
  let speaker: Awaited<ReturnType<typeof startSpeaker>> | undefined;
  try {
    const roomId = await openFamily(server, joins, prewarm);
    await until('the main router', () => media.inventory().rooms.some((r) => r.roomId === roomId));
    speaker = await retrying('the speaker', () => startSpeaker(media, roomId, 'producer', 0x7777));
    const result = await load({
      url: server.url,
      roomId,
      secret: SECRET,
      joins: joins - 1,
      connections,
      users: `surge-${prewarm ? 'warm' : 'cold'}`,
      send: 'documentId',
    });
    // The last join of the surge: timed from its request to its first packet.
    const token = await signToken(SECRET, 'last-listener', ['listener']);
    let firstAt = 0;
    // After the receiver's own handler, which counts RTP only (not RTCP).
    receiver.socket.on('message', () => {
      if (firstAt === 0 && receiver.total() > 0) firstAt = performance.now();
    });
    const sent = performance.now();
    const { joinRoom } = await graphql<{ joinRoom: { room: { id: string } } }>(
      server.url,
      token,
      `
        mutation ($id: ID!) {
          joinRoom(roomId: $id) {
            ... on Placement {
              room {
                id
              }
            }
          }
        }
      `,
      { id: roomId },
    );
    const lastRoom = joinRoom.room.id;
    await retrying(`media for ${lastRoom}`, () => startListener(media, lastRoom, 'last-listener', receiver));
    await until('the first packet', () => firstAt > 0, 30_000);
    return {
      ...result,
      joins,
      rooms: 1 + (server.engine.readModels.room(roomId)?.overflow.length ?? 0),
      lastRoom: lastRoom === roomId ? 'main' : lastRoom.slice(roomId.length + 1),
      firstAudioMs: firstAt - sent,
    };
  } finally {
    speaker?.sender.stop();
    receiver.close();
    await server.stop();
    dir.remove();
  }
};

const line = (name: string, r: PrewarmPassResult): string =>
  `surge prewarm ${name}: joins=${r.joins} failed=${r.failed} rooms=${r.rooms} rate=${Math.round(r.perSecond)}/s p50=${r.p50.toFixed(1)}ms p99=${r.p99.toFixed(1)}ms first-audio(${r.lastRoom})=${r.firstAudioMs.toFixed(0)}ms`;

/** Both passes, one after the other; prints a line each and the ratios (cold ÷ prewarmed: above 1 is prewarm's gain). */
export const runPrewarmPass = async (
  joins: number,
  connections: number,
  report: (line: string) => void,
): Promise<void> => {
  const lastRoom = `overflow-${Math.ceil(joins / CAPACITY) - 1}`;
  report(
    `surge prewarm pass: the first ${joins} joins over HTTP (${connections} connections), rooms of ${CAPACITY}, the last listener in ${lastRoom}`,
  );
  const cold = await pass(joins, connections, false);
  report(line('off', cold));
  if (cold.firstFailure) report(`  first failure: ${cold.firstFailure}`);
  const warm = await pass(joins, connections, true);
  report(line('on', warm));
  if (warm.firstFailure) report(`  first failure: ${warm.firstFailure}`);
  const x = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a');
  report(
    `surge prewarm ratio: p99 join ${x(cold.p99, warm.p99)}, p50 join ${x(cold.p50, warm.p50)}, first audio ${x(cold.firstAudioMs, warm.firstAudioMs)} (off ÷ on)`,
  );
};
