// A scheduled session's prewarm with media on another host (SPILLWAY_MEDIA=cluster, a media node on
// loopback in this process, jobs on in-process timers): after the prewarm job and before the open job,
// the family's rooms' routers exist on the node, read back from the node's own inventory, and the
// family is granted media seats for at least its expected audience, so the crowd is not held at the door
// by media; then the doors open and the first listener is seated.
import { afterEach, describe, expect, it } from 'vitest';
import { createOpaqueIds, startMediaNode, type RunningMediaNode } from '../../../src/media/index.ts';
import { startApi, type TestApi } from '../../support/apiServer.ts';
import { scheduleSession } from '../../support/sessions.ts';
import { eventually } from '../../scheduling/support.ts';
import { MEDIA_SECRET } from './cluster.ts';

/**
 * Rooms of 300 for an audience of 700: the room and two overflow rooms, warmed for 300, 300 and 100, so
 * 2 + 2 + 1 routers (250 a router).
 */
const CAPACITY = 300;
const EXPECTED = 700;
const WARM_ROUTERS = { main: 2, overflow1: 2, overflow2: 1 };
/** Long enough that a loaded machine finishes the prewarm, and the seats' grant, well before the doors open. */
const LEAD_MS = 10_000;

describe('prewarm with media on a media node', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('makes the family’s routers on the node and holds media seats for the expected audience before the doors open', async () => {
    const api: TestApi = await startApi(
      'media-prewarm',
      {},
      { SPILLWAY_MEDIA: 'cluster', SPILLWAY_MEDIA_SECRET: MEDIA_SECRET, SPILLWAY_SCHEDULER: 'timers' },
    );
    cleanups.push(() => api.stop());
    const node: RunningMediaNode = await startMediaNode({
      nodeId: 'warm-host',
      secret: MEDIA_SECRET,
      listenIp: '127.0.0.1',
      apiUrls: [api.url.replace(/\/graphql$/, '')],
      workers: 1,
      listenersPerWorker: 2000,
    });
    cleanups.push(() => node.close());
    const { readModels } = api.server.engine;
    await eventually('the media node to join', () =>
      readModels.mediaCluster.nodes().some((n) => n.status === 'joined') ? true : undefined,
    );

    const producer = await api.token('producer', 'producer');
    const startsAt = new Date(Date.now() + LEAD_MS + 1000);
    const session = await scheduleSession(api, producer, {
      title: 'Star night on the media host',
      startsAt,
      headlinerUserId: 'star',
      expectedAudience: EXPECTED,
      leadTimeMs: LEAD_MS,
      capacity: CAPACITY,
    });
    const { roomId } = session;
    await session.reached('prewarmed');

    // Read back from the node: its own routers, by room of the family, which it knows by opaque ids only.
    const ids = createOpaqueIds(MEDIA_SECRET);
    const routers = Object.fromEntries(
      node.plane
        .inventory()
        .rooms.filter((r) => r.familyId === ids.room(roomId))
        .map((r) => [r.roomId, r.routers.length]),
    );
    expect(routers).toEqual({
      [ids.room(roomId)]: WARM_ROUTERS.main,
      [ids.room(`${roomId}.overflow-1`)]: WARM_ROUTERS.overflow1,
      [ids.room(`${roomId}.overflow-2`)]: WARM_ROUTERS.overflow2,
    });
    const seats = await eventually('media seats for the expected audience', () => {
      const granted = readModels.capacityPlan(roomId)?.mediaSeats ?? 0;
      return granted >= EXPECTED ? granted : undefined;
    });
    expect(seats).toBeGreaterThanOrEqual(EXPECTED);
    expect(Date.now(), 'the open job has not run: the checks above are of the prewarm').toBeLessThan(
      startsAt.getTime(),
    );
    expect(readModels.room(roomId)).toMatchObject({ doorsOpen: false, listenerCount: 0 });

    await session.reached('opened');
    const joined = await api.data<{ joinRoom: { __typename: string } }>(
      `mutation($id: ID!) { joinRoom(roomId: $id) { __typename } }`,
      { token: await api.token('first', 'listener'), variables: { id: roomId } },
    );
    expect(joined.joinRoom.__typename).toBe('Placement');
  });
});
