// A Chromium listener in a full family: its joinRoom answers Queued, the page
// follows its place over the waitingRoom subscription (SSE, from the page
// itself), is seated when the listener ahead of it leaves, and then hears the
// speaker's fake microphone through mediasoup-client (DTLS-SRTP).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, serve, signToken, type RunningServer } from '../../src/runtime/index.ts';
import { chromiumMissing } from '../support/chromium.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { graphqlAt, JOIN, openRoomPage, startRoomPages, type RoomPages } from './browser/chromium.ts';
import { sleep } from './rtp.ts';

const SECRET = 'browser-queue-test-secret-0123456789';
const missing = chromiumMissing();
if (missing) console.log(`browser waiting-room test skipped: ${missing}`);

/** What room.html puts on its window; the callbacks below run in the page, where `window` exists. */
declare const window: {
  join(): Promise<{ producerId: string; consumers?: number }>;
  queueForSeat(): Promise<string>;
  bytes(): Promise<number>;
  positions: number[];
};

describe.skipIf(missing)('a browser listener queued, seated from the waiting room, then hearing the speaker', () => {
  let api: RunningServer;
  let pages: RoomPages;
  const dir = makeTempDir('media-queue-browser');
  const namespace = serverNamespace('media-queue-browser');
  const internalErrors: string[] = [];

  beforeAll(async () => {
    pages = await startRoomPages(dir.path);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SPILLWAY_JWT_SECRET: SECRET,
      ...namespace.env,
      SPILLWAY_MEDIA: 'on',
      SPILLWAY_MEDIA_IP: '127.0.0.1',
      SPILLWAY_MEDIA_WORKERS: '1',
      SPILLWAY_QUEUE_CAPACITY: '10',
      // The page is served from another origin: the API lets only that one call it (CORS).
      SPILLWAY_CORS_ORIGINS: pages.url,
    };
    delete env.REDIS_URL;
    delete env.SPILLWAY_MEDIA_ANNOUNCED_IP;
    api = await serve(loadConfig({ dataDir: dir.path, port: '0' }, env), {
      onInternalError: (error, requestId) => internalErrors.push(`${requestId}: ${String(error)}`),
    });
  });
  afterAll(async () => {
    await pages?.close();
    await api?.stop();
    dir.remove();
    await namespace.remove();
  });

  const gql = graphqlAt(() => api.url);
  const open = (token: string, role: string, room: string, user: string): Promise<Page> =>
    openRoomPage(pages.browser, pages.url, { api: api.url, token, room, role, user });

  it('waits with a position, is seated when a seat frees, and receives the audio', async () => {
    const [sol, fay, lee] = await Promise.all([
      signToken(SECRET, 'sol', ['producer']),
      signToken(SECRET, 'fay', ['listener']),
      signToken(SECRET, 'lee', ['listener']),
    ]);
    // One seat and no overflow room: Fay takes the seat, Lee must wait.
    const { openRoom } = await gql<{ openRoom: { id: string } }>(
      sol,
      'mutation { openRoom(input: { title: "One seat", capacity: 1, maxOverflowRooms: 0 }) { id } }',
    );
    const stage = openRoom.id;
    const speaker = await open(sol, 'speaker', stage, 'sol');
    const { producerId } = await speaker.evaluate(() => window.join());
    await gql(fay, JOIN, { roomId: stage });

    const listener = await open(lee, 'listener', stage, 'lee');
    const seated = listener.evaluate(() => window.queueForSeat());
    // Awaited below; a failure before that must not surface as an unhandled rejection.
    seated.catch(() => undefined);
    // The page was told its place (by joinRoom, then by the subscription's first item), and follows it.
    for (let i = 0; i < 100 && (await listener.evaluate(() => window.positions.length)) < 2; i += 1) await sleep(50);
    expect(await listener.evaluate(() => window.positions)).toEqual([1, 1]);
    const room = await gql<{ room: { listenerCount: number; queued: number } }>(
      sol,
      'query($id: ID!) { room(id: $id) { listenerCount queued } }',
      { id: stage },
    );
    expect(room.room).toEqual({ listenerCount: 1, queued: 1 });
    // A listener waiting has no seat, so no media either.
    const early = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${lee}` },
      body: JSON.stringify({ query: `mutation { createMediaTransport(roomId: "${stage}") }` }),
    });
    const refusal = (await early.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(refusal.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Fay leaves: her seat is Lee's, and the page's subscription says so.
    await gql(fay, `mutation { leaveRoom(roomId: "${stage}") { id } }`);
    expect(await seated).toBe(stage);
    expect(await listener.evaluate(() => window.positions)).toEqual([1, 1]);

    const joined = await listener.evaluate(() => window.join());
    expect(joined).toEqual({ producerId, consumers: 1 });
    const samples: number[] = [];
    for (let i = 0; i < 40 && (samples.length < 4 || samples.at(-1)! <= samples.at(-4)!); i += 1) {
      samples.push(await listener.evaluate(() => window.bytes()));
      await sleep(500);
    }
    console.log(`browser waiting room: listener bytesReceived ${samples.join(' → ')}`);
    expect(samples.at(-1)!).toBeGreaterThan(0);
    expect(samples.at(-1)!).toBeGreaterThan(samples.at(-2)!);
    expect(samples.at(-2)!).toBeGreaterThan(samples.at(-3)!);
    expect(internalErrors).toEqual([]);
  });
});
