// Embedded media (SPILLWAY_MEDIA=on) is the media cluster's code with one
// media node in the serve process: it joins the log as `local` with a
// local: control URL, rooms are placed on it as events, worker deaths reach
// the room feed as they do from another host, rooms stay ungated (no media
// seats), and stopping records its leaving before the log closes.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedItem } from '../../src/projections/index.ts';
import { loadConfig, serve, signToken, type RunningServer } from '../../src/runtime/index.ts';
import { eventually } from '../media/rtp.ts';
import { postGraphQL } from '../support/apiServer.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

const SECRET = 'embedded-media-test-secret-0123456789';

describe('embedded media is one local media node', () => {
  const dir = makeTempDir('embedded-media');
  const namespace = serverNamespace('embedded-media');
  const internalErrors: unknown[] = [];
  const config = () =>
    loadConfig(
      { dataDir: dir.path, port: '0', host: '127.0.0.1' },
      { SPILLWAY_JWT_SECRET: SECRET, ...namespace.env, SPILLWAY_MEDIA: 'on', SPILLWAY_MEDIA_WORKERS: '1' },
    );
  const start = () =>
    serve(config(), { logger: pino({ level: 'silent' }), onInternalError: (error) => internalErrors.push(error) });
  let api: RunningServer;
  let token = '';
  beforeAll(async () => {
    api = await start();
    token = await signToken(SECRET, 'sol', ['listener']);
  });
  afterAll(async () => {
    await api?.stop();
    dir.remove();
    await namespace.remove();
    expect(internalErrors).toEqual([]);
  });

  const open = async (title: string): Promise<string> => {
    const reply = await postGraphQL<{ openRoom: { id: string } }>(
      api.url,
      `mutation { openRoom(input: { title: "${title}", capacity: 5 }) { id } }`,
      { token },
    );
    expect(reply.errors).toBeUndefined();
    return reply.data!.openRoom.id;
  };
  const nodeEvents = async () =>
    (await api.engine.store.readStream('media-node-local')).map((e) => ({ type: e.type, data: e.data }));

  it('joins the log as node local, reached at local:local, and its rooms are placed on it as events', async () => {
    await eventually(async () => (await nodeEvents()).length > 0);
    expect(await nodeEvents()).toEqual([
      {
        type: 'MediaNodeJoined',
        data: expect.objectContaining({
          nodeId: 'local',
          controlUrl: 'local:local',
          announcedAddress: '127.0.0.1',
          workers: 1,
        }),
      },
    ]);
    const roomId = await open('Local');
    expect(await eventually(() => api.media!.inventory().rooms.some((r) => r.roomId === roomId))).toBe(true);
    const placed = await api.engine.store.readStream(`media-placement-${roomId}`);
    expect(placed.map((e) => e.type)).toContain('RoomMediaPlaced');
    expect(placed.find((e) => e.type === 'RoomMediaPlaced')!.data).toMatchObject({ roomId, nodeId: 'local' });
    // Ungated: the room admits whoever fits it, and no seats are held or granted for it.
    const room = await api.engine.store.readStream(`room-${roomId}`);
    expect(room[0]).toMatchObject({ type: 'RoomOpened' });
    expect((room[0]!.data as { mediaGated?: boolean }).mediaGated).toBeUndefined();
    const all = await api.engine.store.readAll({ fromPosition: 0n });
    expect(all.filter((e) => e.type === 'MediaSeatsReserved' || e.type === 'MediaSeatsGranted')).toEqual([]);
  });

  it('tells a room’s feed when its worker died, through the log, as a media host’s death would be', async () => {
    const roomId = await open('Worker');
    expect(await eventually(() => api.media!.inventory().rooms.some((r) => r.roomId === roomId))).toBe(true);
    const told: FeedItem[] = [];
    const feed = api.engine.readModels.feed.subscribe(roomId);
    feed.deliverTo(
      (item) => void (item.kind === 'MediaReconnectRequired' && told.push(item)),
      () => undefined,
    );
    try {
      const [worker] = api.media!.inventory().workers;
      process.kill(worker!.pid, 'SIGKILL');
      expect(await eventually(() => told.some((t) => t.roomId === roomId))).toBe(true);
      const placed = await api.engine.store.readStream(`media-placement-${roomId}`);
      expect(placed.at(-1)).toMatchObject({
        type: 'RoomMediaLost',
        data: { roomId, nodeId: 'local', reason: 'workerDied' },
      });
      // The replaced worker carries the room again.
      expect(
        await eventually(() => {
          const { workers, rooms } = api.media!.inventory();
          return !workers.some((w) => w.pid === worker!.pid) && rooms.some((r) => r.roomId === roomId);
        }),
      ).toBe(true);
    } finally {
      feed.close();
    }
  });

  it('records its leaving when the server stops, and a restart joins as a new instance', async () => {
    const first = (await nodeEvents())[0]!.data as { instanceId: string };
    await api.stop();
    api = await start();
    await eventually(async () => (await nodeEvents()).length >= 3);
    const events = await nodeEvents();
    expect(events.map((e) => e.type)).toEqual(['MediaNodeJoined', 'MediaNodeLeft', 'MediaNodeJoined']);
    expect(events[1]!.data).toMatchObject({ nodeId: 'local', instanceId: first.instanceId });
    expect((events[2]!.data as { instanceId: string }).instanceId).not.toBe(first.instanceId);
  });
});
