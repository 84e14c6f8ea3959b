import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { WAKE_UP_ACTOR } from '../../src/commands/index.ts';
import { roomStreamId } from '../../src/domain/index.ts';
import { startApi, type TestApi } from '../support/apiServer.ts';
import { subscribeOverSse } from '../support/feedClients.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { eventually } from '../scheduling/support.ts';

/**
 * A listener who waits only because the family spawned all the overflow rooms
 * it may within its spawn window (SPILLWAY_SPAWN_WINDOW_MS), on a running
 * server over HTTP and SSE: seated when the window passes, with nobody else
 * doing anything, and after a restart that lost the server's timers too.
 *
 * A room of one seat and one overflow room per window: Carol sits, Dan spawns
 * overflow-1 and leaves it (it drains), so Erin waits for the window.
 */
/** Long enough that the joins before Erin's are made within it, even on a loaded machine. */
const WINDOW_MS = 4000;

const JOIN = `mutation($id: ID!) { joinRoom(roomId: $id) { __typename ... on Queued { position } ... on Placement { room { id } } } }`;
const FOLLOW = `subscription($id: ID!) { waitingRoom(roomId: $id) { __typename ... on Queued { position } ... on Placement { room { id } } } }`;

type Outcome = { __typename: 'Queued'; position: number } | { __typename: 'Placement'; room: { id: string } };

describe('a waiting room woken when its spawn window passes', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const start = async (dataDir?: string): Promise<TestApi> => {
    const api = await startApi(
      'spawn-window',
      {},
      { SPILLWAY_SCHEDULER: 'timers', SPILLWAY_SPAWN_WINDOW_MS: String(WINDOW_MS), SPILLWAY_QUEUE_CAPACITY: '10' },
      dataDir,
    );
    cleanups.push(() => api.stop());
    return api;
  };
  const join = async (api: TestApi, user: string, id: string): Promise<Outcome> =>
    (await api.data<{ joinRoom: Outcome }>(JOIN, { token: await api.token(user, 'listener'), variables: { id } }))
      .joinRoom;
  /** Opens the room and churns its one spawn: Erin's join then waits for the window. */
  const erinWaits = async (api: TestApi): Promise<{ id: string; erinQueuedAt: number }> => {
    const { openRoom } = await api.data<{ openRoom: { id: string } }>(
      `mutation { openRoom(input: { title: "Churn", capacity: 1, maxOverflowRooms: 1 }) { id } }`,
      { token: await api.token('host', 'listener') },
    );
    const { id } = openRoom;
    expect(await join(api, 'carol', id)).toEqual({ __typename: 'Placement', room: { id } });
    const spawnedAt = Date.now();
    expect(await join(api, 'dan', id)).toEqual({ __typename: 'Placement', room: { id: `${id}.overflow-1` } });
    await api.data(`mutation($id: ID!) { leaveRoom(roomId: $id) { id } }`, {
      token: await api.token('dan', 'listener'),
      variables: { id },
    });
    expect(await join(api, 'erin', id)).toEqual({ __typename: 'Queued', position: 1 });
    expect(Date.now() - spawnedAt, 'Erin joined within the window').toBeLessThan(WINDOW_MS);
    return { id, erinQueuedAt: spawnedAt };
  };
  const wokenBy = async (api: TestApi, id: string) =>
    (await api.server.engine.store.readStream(roomStreamId(id)))
      .filter((e) => e.metadata.actor === WAKE_UP_ACTOR)
      .map((e) => e.type);

  it('seats the first in line when the window passes, and their feed says where', async () => {
    const api = await start();
    const { id } = await erinWaits(api);
    const feed = await subscribeOverSse<{ waitingRoom: Outcome }>(api.url, FOLLOW, {
      token: await api.token('erin', 'listener'),
      variables: { id },
    });
    cleanups.push(() => feed.close());
    await feed.until((results) => results.some((r) => r.data?.waitingRoom.__typename === 'Placement'), 20_000);
    expect(feed.results.map((r) => r.data?.waitingRoom)).toEqual([
      { __typename: 'Queued', position: 1 },
      { __typename: 'Placement', room: { id: `${id}.overflow-2` } },
    ]);
    expect(await wokenBy(api, id)).toEqual([
      'ListenerAdmittedFromQueue',
      'OverflowRoomSpawned',
      'ListenerRedirectedToOverflow',
    ]);
  });

  it('wakes the waiting families at start, so a window that passed while the server was down still seats them', async () => {
    const dir = makeTempDir('spawn-window-restart');
    cleanups.push(() => dir.remove());
    const before = await start(dir.path);
    const { id, erinQueuedAt } = await erinWaits(before);
    await before.stop();
    // Down until the window has passed: no timer of the stopped server can seat Erin.
    await sleep(Math.max(0, erinQueuedAt + WINDOW_MS - Date.now()) + 200);
    const after = await start(dir.path);
    const placed = await eventually('Erin to be seated', () => after.server.engine.commands.placementOf(id, 'erin'));
    expect(placed).toEqual({ roomId: `${id}.overflow-2`, role: 'listener' });
    expect(await wokenBy(after, id)).toEqual([
      'ListenerAdmittedFromQueue',
      'OverflowRoomSpawned',
      'ListenerRedirectedToOverflow',
    ]);
  });
});
