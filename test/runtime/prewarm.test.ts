import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createReadModels, type RunningServer } from '../../src/runtime/index.ts';
import { startApi, type TestApi } from '../support/apiServer.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { startSpeaker, type RtpSender } from '../media/rtp.ts';
import { eventually, REDIS_URL } from '../scheduling/support.ts';
import { scheduleSession } from '../support/sessions.ts';

/**
 * A scheduled session's prewarm on a running server with real mediasoup
 * workers, through each scheduler: after the prewarm job and before the open
 * job, the room (doors closed) and the overflow rooms its audience needs exist
 * in the log, and their routers and the speaker's pipes exist on the workers.
 * The session's room gets the deployment's waiting room and spawn window.
 * An early arrival waits in line until the doors open, and is seated then.
 * Then the doors open, and the warm rooms nobody sat in drain and close
 * SPILLWAY_WARM_DRAIN_MS later; a replay of the log gives the same read models.
 *
 * Rooms of 500 for an audience of 1,200: the room and two overflow rooms,
 * warmed for 500, 500 and 200 listeners, so 2 + 2 + 1 routers (250 a router).
 */
const CAPACITY = 500;
const EXPECTED = 1200;
const WARM_ROUTERS = { main: 2, overflow1: 2, overflow2: 1 };
const DRAIN_MS = 1500;
/** The deployment's waiting room and spawn window (SPILLWAY_QUEUE_CAPACITY, SPILLWAY_SPAWN_WINDOW_MS), not the domain's defaults. */
const QUEUE = 3;
const SPAWN_WINDOW_MS = 120_000;
/** Long enough that a loaded machine finishes the prewarm well before the doors open. */
const LEAD_MS = 10_000;

const SCHEDULERS = [
  { name: 'in-process timers', kind: 'in-process', env: { SPILLWAY_SCHEDULER: 'timers' } },
  { name: 'BullMQ on Redis (its own queue and namespace)', kind: 'bullmq', env: { REDIS_URL } },
] as const;

/** The family's routers as the workers hold them, by room, and the pipes into each non-primary router. */
const familyMedia = (server: RunningServer, familyId: string) => {
  const inventory = server.media!.inventory();
  const rooms = inventory.rooms.filter((r) => r.familyId === familyId);
  return {
    routersOnWorkers: inventory.workers.reduce((sum, w) => sum + w.routers, 0),
    routers: Object.fromEntries(rooms.map((r) => [r.roomId, r.routers.length])),
    pipes: rooms.flatMap((r) => r.routers.map((router) => router.pipes)),
  };
};

interface RoomView {
  room: {
    warm: boolean;
    doorsOpen: boolean;
    listenerCount: number;
    overflowRooms: Array<{ id: string; warm: boolean; capacity: number }>;
  } | null;
}

const ROOM = `query($id: ID!) { room(id: $id) { warm doorsOpen listenerCount overflowRooms { id warm capacity } } }`;

describe.each(SCHEDULERS)('prewarm on a running server, jobs on $name', ({ kind, env }) => {
  let api: TestApi | undefined;
  const senders: RtpSender[] = [];
  afterEach(async () => {
    for (const sender of senders.splice(0)) sender.stop();
    await api?.stop();
    api = undefined;
  });

  it('provisions the family before the doors open, opens them at startsAt and drains the unused warm rooms after', async () => {
    api = await startApi(
      `prewarm-${kind}`,
      {},
      {
        SPILLWAY_MEDIA: 'on',
        SPILLWAY_MEDIA_WORKERS: '2',
        SPILLWAY_WARM_DRAIN_MS: String(DRAIN_MS),
        SPILLWAY_QUEUE_CAPACITY: String(QUEUE),
        SPILLWAY_SPAWN_WINDOW_MS: String(SPAWN_WINDOW_MS),
        ...env,
      },
    );
    const { server } = api;
    expect(server.scheduler.kind).toBe(kind);
    const producer = await api.token('producer', 'producer');
    const startsAt = new Date(Date.now() + LEAD_MS + 1000);
    const session = await scheduleSession(api, producer, {
      title: 'Star night',
      startsAt,
      headlinerUserId: 'star',
      expectedAudience: EXPECTED,
      leadTimeMs: LEAD_MS,
      capacity: CAPACITY,
    });
    const { roomId } = session;
    await session.reached('prewarmed');

    // The session's room has the deployment's waiting room and spawn window, as the log records it.
    const [opened] = await server.engine.store.readStream(`room-${roomId}`);
    expect(opened?.data).toMatchObject({ prewarmed: true, queueCapacity: QUEUE, spawnWindowMs: SPAWN_WINDOW_MS });
    expect((await server.engine.commands.load(roomId)).state.snapshot.context.settings).toMatchObject({
      queueCapacity: QUEUE,
      spawnWindowMs: SPAWN_WINDOW_MS,
    });

    // Before the open job: read back from the workers, not from the plan.
    const warm = familyMedia(server, roomId);
    const beforeOpen = await api.data<RoomView>(ROOM, { token: producer, variables: { id: roomId } });
    expect(Date.now()).toBeLessThan(startsAt.getTime()); // the open job has not run: the checks below are of the prewarm
    expect(beforeOpen.room).toEqual({
      warm: true,
      doorsOpen: false,
      listenerCount: 0,
      overflowRooms: [
        { id: `${roomId}.overflow-1`, warm: true, capacity: CAPACITY },
        { id: `${roomId}.overflow-2`, warm: true, capacity: CAPACITY },
      ],
    });
    expect(warm.routers).toEqual({
      [roomId]: WARM_ROUTERS.main,
      [`${roomId}.overflow-1`]: WARM_ROUTERS.overflow1,
      [`${roomId}.overflow-2`]: WARM_ROUTERS.overflow2,
    });
    expect(warm.routersOnWorkers).toBe(WARM_ROUTERS.main + WARM_ROUTERS.overflow1 + WARM_ROUTERS.overflow2);

    // The producer is on stage: their audio is piped into every warm router at once.
    const speaker = await startSpeaker(server.media!, roomId, 'producer', 0x5151);
    senders.push(speaker.sender);
    const piped = familyMedia(server, roomId).pipes;
    expect(piped.filter((p) => p === 1)).toHaveLength(piped.length - 1); // all but the main router, which it produces on

    // Nobody is seated before the doors open: an early arrival waits in line, and is seated when they open.
    const early = await api.data<{ joinRoom: { __typename: string; position?: number } }>(
      `mutation($id: ID!) { joinRoom(roomId: $id) { __typename ... on Queued { position } } }`,
      { token: await api.token('early-bird', 'listener'), variables: { id: roomId } },
    );
    expect(early.joinRoom).toEqual({ __typename: 'Queued', position: 1 });
    expect(Date.now()).toBeLessThan(startsAt.getTime());

    await session.reached('opened');
    await api.data(`mutation($id: ID!) { joinRoom(roomId: $id) { ... on Placement { room { id } } } }`, {
      token: await api.token('first', 'listener'),
      variables: { id: roomId },
    });

    // SPILLWAY_WARM_DRAIN_MS after the doors: the empty warm rooms drain, the room keeps the routers its listener needs.
    const cooled = await eventually('the warm-up to end', async () => {
      const { room } = await api!.data<RoomView>(ROOM, { token: producer, variables: { id: roomId } });
      return room && !room.warm ? room : undefined;
    });
    expect(cooled).toEqual({ warm: false, doorsOpen: true, listenerCount: 2, overflowRooms: [] });
    expect(await server.engine.commands.placementOf(roomId, 'early-bird')).toEqual({ roomId, role: 'listener' });
    const after = await eventually('media to follow the plan', () => {
      const media = familyMedia(server, roomId);
      return media.routersOnWorkers === 1 ? media : undefined;
    });
    expect(after.routers).toEqual({ [roomId]: 1 });

    // A replay of the log folds into the same read models.
    const live = server.engine.readModels;
    await live.catchUp();
    const temp = makeTempDir('prewarm-replay');
    const replayed = createReadModels({ store: server.engine.store, path: join(temp.path, 'read-models.db') });
    try {
      replayed.start();
      await replayed.catchUp(10_000);
      for (const name of ['rooms', 'capacityPlan', 'schedule']) {
        const all = (models: typeof live) => models.runner.list(name, '', '\uffff', 100_000);
        expect(all(replayed), name).toEqual(all(live));
      }
    } finally {
      await replayed.stop();
      temp.remove();
    }
  });
});
