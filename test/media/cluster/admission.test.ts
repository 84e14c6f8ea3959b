// The control plane's media bookkeeping, on loopback in one process: a join
// no live media node could serve is refused with MEDIA_CAPACITY and writes
// nothing, exactly at the seats the nodes hold, however many join at once and
// for however many families; a node that leaves (SIGTERM) is recorded and its
// rooms move; the API's control route refuses what is not signed, fresh and new.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createControlClient,
  createControlVerifier,
  signControlRequest,
  startMediaNode,
  type RunningMediaNode,
} from '../../../src/media/index.ts';
import { replayMediaNode } from '../../../src/domain/mediaNode.ts';
import type { MediaNodeEvent } from '../../../src/domain/index.ts';
import { startApi, type TestApi } from '../../support/apiServer.ts';
import { eventually } from '../rtp.ts';
import { MEDIA_SECRET } from './cluster.ts';

const JOIN =
  'mutation($roomId: ID!) { joinRoom(roomId: $roomId) { __typename ... on Placement { room { id } } ... on Queued { position } } }';

describe('media capacity and membership on the control plane', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  /** Rooms without a waiting room unless `queue` says (a family media cannot serve then refuses). */
  const api = async (queue = '0'): Promise<TestApi> => {
    const a = await startApi(
      'media-admission',
      {},
      { SPILLWAY_MEDIA: 'cluster', SPILLWAY_MEDIA_SECRET: MEDIA_SECRET, SPILLWAY_QUEUE_CAPACITY: queue },
    );
    cleanup.push(() => a.stop());
    return a;
  };
  const node = async (a: TestApi, nodeId: string, listenersPerWorker: number): Promise<RunningMediaNode> => {
    const n = await startMediaNode({
      nodeId,
      secret: MEDIA_SECRET,
      listenIp: '127.0.0.1',
      apiUrls: [a.url.replace(/\/graphql$/, '')],
      workers: 1,
      listenersPerWorker,
    });
    cleanup.push(() => n.close());
    return n;
  };
  const openRoom = async (a: TestApi, token: string, capacity = 10): Promise<string> =>
    (
      await a.data<{ openRoom: { id: string } }>(
        `mutation { openRoom(input: { title: "Cap", capacity: ${capacity} }) { id } }`,
        { token },
      )
    ).openRoom.id;
  const joined = (a: TestApi) =>
    eventually(() => a.server.engine.readModels.mediaCluster.nodes().some((n) => n.status === 'joined'));
  /** The seats granted to a family, as its capacity plan has them. */
  const grantOf = (a: TestApi, roomId: string): number | undefined =>
    a.server.engine.readModels.capacityPlan(roomId)?.mediaSeats;
  /** Everyone in `users` joins `roomId` at once, over HTTP; the error code each got, "admitted", or "queued N". */
  const surge = async (a: TestApi, roomId: string, users: readonly string[]): Promise<string[]> =>
    Promise.all(
      users.map(async (user) => {
        const reply = await a.request<{ joinRoom: { __typename: string; position?: number } }>(JOIN, {
          token: await a.token(user, 'listener'),
          variables: { roomId },
        });
        const answer = reply.data?.joinRoom;
        if (answer?.__typename === 'Queued') return `queued ${answer.position}`;
        return reply.errors?.[0]?.extensions?.code ?? 'admitted';
      }),
    );
  const tally = (codes: readonly string[]) =>
    Object.fromEntries([...new Set(codes)].sort().map((c) => [c, codes.filter((x) => x === c).length]));
  /** What the node's own stream holds for each family: the seats it handed out. */
  const heldOn = async (a: TestApi, nodeId: string): Promise<Record<string, number>> => {
    const events = await a.server.engine.store.readStream(`media-node-${nodeId}`);
    const state = replayMediaNode(events.map((e) => ({ type: e.type, data: e.data }) as MediaNodeEvent));
    return Object.fromEntries(state.reservations);
  };

  it('refuses a listener with MEDIA_CAPACITY when no media node is live, writing nothing', async () => {
    const a = await api();
    const roomId = await openRoom(a, await a.token('mod', 'listener'));
    const head = await a.head();
    const reply = await a.request(JOIN, { token: await a.token('lena', 'listener'), variables: { roomId } });
    expect(reply.errors?.[0]?.extensions?.code).toBe('MEDIA_CAPACITY');
    expect(reply.errors?.[0]?.message).toMatch(/No media node has seats for the audio of room .*spillway media-node/);
    expect(await a.head()).toBe(head);
  });

  it('admits up to the seats the live node holds for the room, then refuses with a sentence naming them', async () => {
    const a = await api();
    await node(a, 'small', 2);
    expect(await joined(a)).toBe(true);
    const roomId = await openRoom(a, await a.token('mod', 'listener'));
    expect(await eventually(() => grantOf(a, roomId) === 2)).toBe(true);
    for (const user of ['one', 'two'])
      await a.data(JOIN, { token: await a.token(user, 'listener'), variables: { roomId } });
    const head = await a.head();
    const reply = await a.request(JOIN, { token: await a.token('three', 'listener'), variables: { roomId } });
    expect(reply.errors?.[0]?.extensions?.code).toBe('MEDIA_CAPACITY');
    expect(reply.errors?.[0]?.message).toMatch(
      /carries 2 listeners, all its media nodes reserved seats for \(2\).*Add a media node/,
    );
    expect(await a.head()).toBe(head);
  });

  it('holds seats for a prewarmed family’s expected audience before its doors open', async () => {
    const a = await api();
    await node(a, 'big', 1000);
    expect(await joined(a)).toBe(true);
    const roomId = 'warm-family';
    await a.server.engine.commands.send({
      type: 'PrewarmRoom',
      data: { roomId, title: 'Warm', capacity: 100, expectedAudience: 600 },
      metadata: { actor: 'producer', at: new Date().toISOString() },
    });
    // Not a router's worth (250, what a family without listeners is given) but the 600 it was warmed for.
    expect(await eventually(async () => (await heldOn(a, 'big'))[roomId] === 600)).toBe(true);
    expect(await eventually(() => grantOf(a, roomId) === 600)).toBe(true);
    expect(a.server.engine.readModels.room(roomId)?.doorsOpen).toBe(false);
  });

  it('admits exactly the media’s seats out of a crowd joining at once over HTTP, overflow rooms included', async () => {
    const a = await api();
    await node(a, 'small', 5);
    expect(await joined(a)).toBe(true);
    const roomId = await openRoom(a, await a.token('mod', 'listener'), 2);
    expect(await eventually(() => grantOf(a, roomId) === 5)).toBe(true);
    const codes = await surge(
      a,
      roomId,
      Array.from({ length: 14 }, (_, i) => `crowd-${i}`),
    );
    expect(tally(codes)).toEqual({ MEDIA_CAPACITY: 9, admitted: 5 });
    const room = a.server.engine.readModels.room(roomId)!;
    expect(room.familyListenerCount).toBe(5);
    expect(await heldOn(a, 'small')).toEqual({ [roomId]: 5 });
  });

  it('with a waiting room, a crowd past the media’s seats waits in line, and a node joining seats the first of them', async () => {
    const a = await api('50');
    await node(a, 'small', 5);
    expect(await joined(a)).toBe(true);
    const roomId = await openRoom(a, await a.token('mod', 'listener'), 2);
    expect(await eventually(() => grantOf(a, roomId) === 5)).toBe(true);
    const codes = await surge(
      a,
      roomId,
      Array.from({ length: 14 }, (_, i) => `line-${i}`),
    );
    expect(codes.filter((c) => c === 'admitted')).toHaveLength(5);
    expect(
      codes.filter((c) => c.startsWith('queued ')).sort((x, y) => Number(x.slice(7)) - Number(y.slice(7))),
    ).toEqual(Array.from({ length: 9 }, (_, i) => `queued ${i + 1}`));
    // More media: the grant grows, and the first in line are seated in the step that records it.
    await node(a, 'more', 3);
    expect(await eventually(() => (grantOf(a, roomId) ?? 0) > 5, 10_000)).toBe(true);
    const grant = grantOf(a, roomId)!;
    expect(
      await eventually(() => a.server.engine.readModels.room(roomId)!.familyListenerCount === Math.min(14, grant)),
    ).toBe(true);
    expect(a.server.engine.readModels.room(roomId)!.queued).toBe(14 - Math.min(14, grant));
  });

  it('never hands one node’s seats to two families: two crowds at once get exactly its capacity between them', async () => {
    const a = await api();
    await node(a, 'shared', 6);
    expect(await joined(a)).toBe(true);
    const mod = await a.token('mod', 'listener');
    const [first, second] = [await openRoom(a, mod), await openRoom(a, mod)];
    expect(await eventually(() => (grantOf(a, first) ?? 0) + (grantOf(a, second) ?? 0) === 6)).toBe(true);
    const [codesA, codesB] = await Promise.all([
      surge(
        a,
        first,
        Array.from({ length: 9 }, (_, i) => `left-${i}`),
      ),
      surge(
        a,
        second,
        Array.from({ length: 9 }, (_, i) => `right-${i}`),
      ),
    ]);
    expect(tally([...codesA, ...codesB])).toEqual({ MEDIA_CAPACITY: 12, admitted: 6 });
    for (const [roomId, codes] of [
      [first, codesA],
      [second, codesB],
    ] as const) {
      expect(codes.filter((c) => c === 'admitted').length).toBe(grantOf(a, roomId));
      expect(a.server.engine.readModels.room(roomId)!.familyListenerCount).toBe(grantOf(a, roomId));
    }
    const held = await heldOn(a, 'shared');
    expect(Object.values(held).reduce((n, s) => n + s, 0)).toBe(6);
  });

  it('records a node that leaves, and places its rooms on the one that stays', async () => {
    const a = await api();
    const [b] = [await node(a, 'b', 100), await node(a, 'c', 100)];
    const cluster = a.server.engine.readModels.mediaCluster;
    expect(await eventually(() => cluster.nodes().filter((n) => n.status === 'joined').length === 2)).toBe(true);
    const roomId = await openRoom(a, await a.token('mod', 'listener'));
    expect(await eventually(() => cluster.placement(roomId)?.rooms[roomId] === 'b')).toBe(true);
    await b.close();
    expect(await eventually(() => cluster.placement(roomId)?.rooms[roomId] === 'c', 3_000)).toBe(true);
    expect(cluster.nodes().find((n) => n.nodeId === 'b')?.status).toBe('left');
    const stream = await a.server.engine.store.readStream('media-node-b');
    expect(stream.map((e) => e.type)).toEqual(['MediaNodeJoined', 'MediaSeatsReserved', 'MediaNodeLeft']);
    // The seats went with the node that left; the room holds and is granted seats on the one that stays.
    expect(await heldOn(a, 'b')).toEqual({});
    expect(await eventually(async () => (await heldOn(a, 'c'))[roomId] === 100, 3_000)).toBe(true);
    expect(await eventually(() => grantOf(a, roomId) === 100, 3_000)).toBe(true);
  });

  it('refuses control requests that are unsigned, forged, stale or replayed', async () => {
    const a = await api();
    const base = a.url.replace(/\/graphql$/, '');
    const unsigned = await fetch(`${base}/control/mediaNodeHeartbeat`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401);
    await expect(createControlClient('forged-secret-0123456789').call(base, 'mediaNodeHeartbeat', {})).rejects.toThrow(
      /bad signature/,
    );
    const verify = createControlVerifier(MEDIA_SECRET);
    const path = '/control/mediaNodeHeartbeat';
    const stale = signControlRequest(MEDIA_SECRET, path, '{}', Date.now() - 60_000);
    expect(verify(stale, path, '{}')).toMatch(/stale request/);
    const fresh = signControlRequest(MEDIA_SECRET, path, '{}');
    expect(verify(fresh, path, '{}')).toBeUndefined();
    expect(verify(fresh, path, '{}')).toMatch(/replayed request/);
    expect(verify(signControlRequest(MEDIA_SECRET, path, '{}'), path, '{"changed":1}')).toMatch(/bad signature/);
    await expect(createControlClient(MEDIA_SECRET).call(base, 'mediaNodeHeartbeat', { nodeId: 7 })).rejects.toThrow(
      /nodeId/,
    );
    expect(a.server.engine.readModels.mediaCluster.nodes()).toEqual([]);
  });

  it('closes the transports a listener holds on a media node once the log says they left', async () => {
    const a = await api();
    const n = await node(a, 'b', 100);
    const roomId = await openRoom(a, await a.token('mod', 'listener'));
    expect(await eventually(() => (grantOf(a, roomId) ?? 0) > 0)).toBe(true);
    const lena = await a.token('lena', 'listener');
    await a.data(JOIN, { token: lena, variables: { roomId } });
    const signaling = a.server.signaling!;
    const listeners = () =>
      n.plane
        .inventory()
        .rooms.flatMap((r) => r.routers)
        .reduce((sum, r) => sum + r.listeners, 0);
    let made = false;
    expect(
      await eventually(async () => {
        made ||= await signaling
          .createPlainRtpTransport({ userId: 'lena', roomId, role: 'listener' }, { ip: '127.0.0.1', port: 9 })
          .then(() => true)
          .catch(() => false);
        return made;
      }),
    ).toBe(true);
    expect(listeners()).toBe(1);
    await a.data('mutation($roomId: ID!) { leaveRoom(roomId: $roomId) { id } }', {
      token: lena,
      variables: { roomId },
    });
    expect(await eventually(() => listeners() === 0, 3_000)).toBe(true);
  });
});
