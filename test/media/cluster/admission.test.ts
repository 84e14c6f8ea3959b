// The control plane's media bookkeeping, on loopback in one process: a join
// no live media node could serve is refused with MEDIA_CAPACITY and writes
// nothing; a node that leaves (SIGTERM) is recorded and its rooms move; the
// API's control route refuses what is not signed, fresh and new.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createControlClient,
  createControlVerifier,
  signControlRequest,
  startMediaNode,
  type RunningMediaNode,
} from '../../../src/media/index.ts';
import { startApi, type TestApi } from '../../support/apiServer.ts';
import { eventually } from '../rtp.ts';
import { MEDIA_SECRET } from './cluster.ts';

const JOIN = 'mutation($roomId: ID!) { joinRoom(roomId: $roomId) { ... on Placement { room { id } } } }';

describe('media capacity and membership on the control plane', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  const api = async (): Promise<TestApi> => {
    const a = await startApi('media-admission', {}, { SPILLWAY_MEDIA: 'cluster', SPILLWAY_MEDIA_SECRET: MEDIA_SECRET });
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
  const openRoom = async (a: TestApi, token: string): Promise<string> =>
    (
      await a.data<{ openRoom: { id: string } }>(
        'mutation { openRoom(input: { title: "Cap", capacity: 10 }) { id } }',
        { token },
      )
    ).openRoom.id;

  it('refuses a listener with MEDIA_CAPACITY when no media node is live, writing nothing', async () => {
    const a = await api();
    const roomId = await openRoom(a, await a.token('mod', 'listener'));
    const head = await a.head();
    const reply = await a.request(JOIN, { token: await a.token('lena', 'listener'), variables: { roomId } });
    expect(reply.errors?.[0]?.extensions?.code).toBe('MEDIA_CAPACITY');
    expect(reply.errors?.[0]?.message).toMatch(/No media node is live .*spillway media-node/);
    expect(await a.head()).toBe(head);
  });

  it('admits up to the live nodes’ capacity, then refuses with a sentence naming it', async () => {
    const a = await api();
    await node(a, 'small', 2);
    expect(
      await eventually(() => a.server.engine.readModels.mediaCluster.nodes().some((n) => n.status === 'joined')),
    ).toBe(true);
    const roomId = await openRoom(a, await a.token('mod', 'listener'));
    for (const user of ['one', 'two'])
      await a.data(JOIN, { token: await a.token(user, 'listener'), variables: { roomId } });
    const reply = await a.request(JOIN, { token: await a.token('three', 'listener'), variables: { roomId } });
    expect(reply.errors?.[0]?.extensions?.code).toBe('MEDIA_CAPACITY');
    expect(reply.errors?.[0]?.message).toMatch(/carry 2 listeners, all they can \(2\).*Add a media node/);
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
    expect(stream.map((e) => e.type)).toEqual(['MediaNodeJoined', 'MediaNodeLeft']);
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
