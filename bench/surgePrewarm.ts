// The surge bench's prewarm pass: the first N joins (default 20,000) of a
// headliner's crowd over HTTP, twice in one run on servers of their own: into
// a room opened at the doors with nothing made ahead, and into a session's
// room prewarmed for the crowd. The load is autocannon in its own process
// (joinLoad.ts, every request's send time and answer recorded); a producer
// sends plain RTP into the main room throughout. After the surge (and once
// the waiting room has emptied) one more listener joins, lands in the last
// overflow room, and the time from its join to its first RTP packet is the
// first audio.
//
// Two media set-ups, each a pair of passes:
// - cluster: a `spillway media-node` process (2 workers) and the server in
//   SPILLWAY_MEDIA=cluster, where a join is admitted only within the seats
//   the node holds for the family. Without prewarm the family is granted
//   seats in rounds as it grows (a router's worth, then half again), and a
//   join past the grant waits in the queue; with prewarm the grant for the
//   expected audience exists before the doors open. Time to a seat: a join
//   answered Placement waited its HTTP answer; one answered Queued waited until
//   its ListenerAdmittedFromQueue was recorded (the log's recordedAt).
// - embedded: mediasoup workers in the server's process (SPILLWAY_MEDIA=on),
//   where a join never waits for media: prewarm cannot make joins faster there.
import { randomUUID } from 'node:crypto';
import type { MediaSignaling } from '../src/media/index.ts';
import { signToken, type RunningServer } from '../src/runtime/index.ts';
import { opusRtpParameters, RtpReceiver, RtpSender } from '../src/cli/demo/plainRtp.ts';
import { graphql, MEDIA_SECRET, retrying, SECRET, sleep, startBenchServer, until } from './benchServer.ts';
import { load, type LoadResult } from './joinLoad.ts';
import { startMediaNodeProcess, type MediaNodeProcess } from './mediaNodeProcess.ts';
import { quantile, readWaitingLine, seatTimes, type SeatTimes } from './waitingLine.ts';

const CAPACITY = 5000;
export type MediaMode = 'cluster' | 'embedded';

export interface PrewarmPassResult extends LoadResult {
  readonly joins: number;
  /** Rooms of the family after the surge (main + overflow). */
  readonly rooms: number;
  /** Prewarmed, cluster mode: the family's media seats last seen while its doors were shut (polled every 20 ms). */
  readonly seatsBeforeDoors: number | undefined;
  /** Cluster mode: its media seats just after its doors opened (read within 20 ms; for a cold room, once opened). */
  readonly seatsAtDoors: number | undefined;
  readonly seats: SeatTimes;
  /** From the load's last answer until nobody waited in the queue. */
  readonly drainMs: number;
  /** Where the measured listener was placed, and from its join to its first RTP packet. */
  readonly lastRoom: string;
  readonly firstAudioMs: number;
}

/** The family's room: opened at the doors (cold), or a session's, prewarmed for `audience` and open by now. */
const openFamily = async (
  server: RunningServer,
  audience: number,
  leadMs: number | undefined,
): Promise<{ roomId: string; seatsBeforeDoors: number | undefined }> => {
  const producer = await signToken(SECRET, 'producer', ['producer']);
  if (leadMs === undefined) {
    const roomId = `cold-${randomUUID().slice(0, 8)}`;
    await server.engine.commands.send({
      type: 'OpenRoom',
      data: { roomId, title: 'Headliner', capacity: CAPACITY },
      metadata: { actor: 'producer', at: new Date().toISOString() },
    });
    return { roomId, seatsBeforeDoors: undefined };
  }
  const { scheduleSession } = await graphql<{ scheduleSession: { id: string } }>(
    server.url,
    producer,
    'mutation ($input: ScheduleSessionInput!) { scheduleSession(input: $input) { id } }',
    {
      input: {
        title: 'Headliner',
        startsAt: new Date(Date.now() + leadMs + 500).toISOString(),
        headlinerUserId: 'star',
        expectedAudience: audience,
        leadTimeMs: leadMs,
        capacity: CAPACITY,
      },
    },
  );
  const roomId = scheduleSession.id;
  // The seats granted while the doors were still shut: what prewarm held for the crowd before it could arrive.
  let seats: number | undefined;
  await until(
    'the doors to open',
    () => {
      if (server.engine.readModels.room(roomId)?.doorsOpen === true) return true;
      seats = server.engine.readModels.capacityPlan(roomId)?.mediaSeats;
      return false;
    },
    leadMs + 60_000,
  );
  return { roomId, seatsBeforeDoors: seats };
};

const startSpeaker = async (signaling: MediaSignaling, roomId: string, ssrc: number): Promise<RtpSender> => {
  const t = await signaling.createPlainRtpTransport({ userId: 'producer', roomId, role: 'speaker' });
  await signaling.produce({
    userId: 'producer',
    transportId: t.id,
    kind: 'audio',
    rtpParameters: opusRtpParameters(ssrc),
  });
  return new RtpSender(ssrc, t.port, 80, t.ip);
};

/** A listener's plain-RTP transport and consumers of the speakers, once its room's media has them. */
const startListener = async (signaling: MediaSignaling, roomId: string, userId: string, receiver: RtpReceiver) => {
  const t = await signaling.createPlainRtpTransport(
    { userId, roomId, role: 'listener' },
    { ip: '127.0.0.1', port: receiver.port },
  );
  const consumers = await retrying(`the speakers in ${roomId}`, async () => {
    const list = await signaling.consumeSpeakers({
      userId,
      transportId: t.id,
      rtpCapabilities: signaling.routerRtpCapabilities(roomId),
    });
    if (list.length === 0) throw new Error(`no speaker piped to ${roomId} yet`);
    return list;
  });
  await Promise.all(consumers.map((c) => signaling.resumeConsumer({ userId, consumerId: c.id })));
};

/** The last listener: joins over HTTP, waits for a seat if queued, then listens; ms from the join to its first packet. */
const firstAudio = async (server: RunningServer, signaling: MediaSignaling, roomId: string) => {
  const receiver = await RtpReceiver.open();
  try {
    let firstAt = 0;
    // After the receiver's own handler, which counts RTP only (not RTCP).
    receiver.socket.on('message', () => {
      if (firstAt === 0 && receiver.total() > 0) firstAt = performance.now();
    });
    const token = await signToken(SECRET, 'last-listener', ['listener']);
    const sent = performance.now();
    const { joinRoom } = await graphql<{ joinRoom: { __typename: string; room: { id: string } } }>(
      server.url,
      token,
      'mutation ($id: ID!) { joinRoom(roomId: $id) { __typename ... on Placement { room { id } } } }',
      { id: roomId },
    );
    let placedIn = joinRoom.__typename === 'Placement' ? joinRoom.room.id : undefined;
    while (placedIn === undefined) {
      const standing = server.engine.readModels.queueStanding(roomId, 'last-listener');
      if (standing.status === 'admitted') placedIn = standing.placedIn;
      else if (performance.now() - sent > 120_000) throw new Error('the last listener never got a seat');
      else await sleep(2);
    }
    const room = placedIn;
    await retrying(`media for ${room}`, () => startListener(signaling, room, 'last-listener', receiver));
    await until('the first packet', () => firstAt > 0, 30_000);
    return { lastRoom: room === roomId ? 'main' : room.slice(roomId.length + 1), firstAudioMs: firstAt - sent };
  } finally {
    receiver.close();
  }
};

/** One pass on a server of its own: the surge, then one more listener timed to its first audio. */
const pass = async (mode: MediaMode, joins: number, connections: number, prewarm: boolean) => {
  const bench = await startBenchServer(
    'bench-surge-prewarm',
    mode === 'cluster'
      ? { SPILLWAY_MEDIA: 'cluster', SPILLWAY_MEDIA_SECRET: MEDIA_SECRET, SPILLWAY_SCHEDULER: 'timers' }
      : { SPILLWAY_MEDIA: 'on', SPILLWAY_SCHEDULER: 'timers' },
  );
  const { server } = bench;
  let node: MediaNodeProcess | undefined;
  let speaker: RtpSender | undefined;
  try {
    // Seats for the whole surge and the growth rounds ask for beyond it: the node is never the limit.
    if (mode === 'cluster')
      node = await startMediaNodeProcess(server, {
        nodeId: `bench-${prewarm ? 'warm' : 'cold'}`,
        secret: MEDIA_SECRET,
        workers: 2,
        listenersPerWorker: joins,
      });
    const signaling = server.signaling!;
    // Embedded: prewarmed 3.5 s ahead, as in the first recorded run; cluster: the node's routers take longer.
    const { roomId, seatsBeforeDoors } = await openFamily(
      server,
      joins,
      prewarm ? (mode === 'cluster' ? 10_000 : 3500) : undefined,
    );
    const seatsAtDoors = server.engine.readModels.capacityPlan(roomId)?.mediaSeats;
    speaker = await retrying('the speaker', () => startSpeaker(signaling, roomId, 0x7777));
    const result = await load({
      url: server.url,
      roomId,
      secret: SECRET,
      joins: joins - 1,
      connections,
      users: `surge-${prewarm ? 'warm' : 'cold'}`,
      send: 'documentId',
      record: true,
    });
    const answered = performance.now();
    await until('the waiting room to empty', () => server.engine.readModels.room(roomId)?.queued === 0, 300_000);
    const drainMs = performance.now() - answered;
    const line = await readWaitingLine(server.engine.store, roomId);
    const audio = await firstAudio(server, signaling, roomId);
    return {
      ...result,
      joins,
      rooms: 1 + (server.engine.readModels.room(roomId)?.overflow.length ?? 0),
      seatsBeforeDoors,
      seatsAtDoors,
      seats: seatTimes(result.requests ?? [], line),
      drainMs,
      ...audio,
    };
  } finally {
    speaker?.stop();
    await node?.stop();
    await bench.stop();
  }
};

const ms = (n: number) => `${n.toFixed(1)}ms`;
const line = (mode: MediaMode, name: string, r: PrewarmPassResult): string =>
  [
    `surge prewarm ${mode} ${name}: joins=${r.joins} failed=${r.failed} rooms=${r.rooms}`,
    ...(mode === 'cluster'
      ? [`seats: before-doors=${r.seatsBeforeDoors ?? 'n/a'} at-doors=${r.seatsAtDoors ?? 'none'}`]
      : []),
    `rate=${Math.round(r.perSecond)}/s join p50=${ms(r.p50)} p99=${ms(r.p99)}`,
    `placed=${r.seats.placed} queued=${r.seats.queued} unseated=${r.seats.unseated} refused=${r.seats.refused}`,
    `time-to-seat p50=${ms(quantile(r.seats.ms, 0.5))} p99=${ms(quantile(r.seats.ms, 0.99))}`,
    `queue-drained=+${Math.round(r.drainMs)}ms first-audio(${r.lastRoom})=${r.firstAudioMs.toFixed(0)}ms`,
  ].join(' ');

/** Both passes of one media set-up, one after the other; a line each and the ratios (off ÷ on: above 1 is prewarm's gain). */
export const runPrewarmPass = async (
  joins: number,
  connections: number,
  report: (line: string) => void,
  mode: MediaMode = 'cluster',
): Promise<void> => {
  const overflowRooms = Math.ceil(joins / CAPACITY) - 1;
  const lastRoom = overflowRooms > 0 ? `overflow-${overflowRooms}` : 'main';
  report(
    `surge prewarm pass (${mode === 'cluster' ? 'media on a media-node process, 2 workers, SPILLWAY_MEDIA=cluster: joins admitted within media seats' : 'embedded media, SPILLWAY_MEDIA=on: a join never waits for media'}): the first ${joins} joins over HTTP (${connections} connections), rooms of ${CAPACITY}, the last listener in ${lastRoom}`,
  );
  const results: PrewarmPassResult[] = [];
  for (const prewarm of [false, true]) {
    const r = await pass(mode, joins, connections, prewarm);
    report(line(mode, prewarm ? 'on' : 'off', r));
    if (r.firstFailure) report(`  first failure: ${r.firstFailure}`);
    results.push(r);
  }
  const [cold, warm] = results as [PrewarmPassResult, PrewarmPassResult];
  const x = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a');
  const seat = (r: PrewarmPassResult, p: number) => quantile(r.seats.ms, p);
  report(
    `surge prewarm ${mode} ratio: p99 join ${x(cold.p99, warm.p99)}, p50 join ${x(cold.p50, warm.p50)}, p99 time-to-seat ${x(seat(cold, 0.99), seat(warm, 0.99))}, p50 time-to-seat ${x(seat(cold, 0.5), seat(warm, 0.5))}, first audio ${x(cold.firstAudioMs, warm.firstAudioMs)} (off ÷ on)`,
  );
};
