// A real browser end to end, signaling through the GraphQL API of a real
// server: Debian's chromium produces its fake microphone through
// mediasoup-client into the main room; a second page, whose join placed it in
// an overflow room (another worker, fed by pipeToRouter), receives it.
// Growing inbound-rtp bytes prove ICE, DTLS-SRTP and the pipe all work.
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, serve, signToken, type RunningServer } from '../../src/runtime/index.ts';
import { chromiumMissing, launchChromium } from '../support/chromium.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { bundleMediasoupClient } from './browser/bundle.ts';
import { startPageServer } from './browser/pageServer.ts';
import { sleep } from './rtp.ts';

const SECRET = 'browser-media-test-secret-0123456789';
const missing = chromiumMissing();
if (missing) console.log(`browser media test skipped: ${missing}`);

/** What room.html puts on its window; the callbacks below run in the page, where `window` exists. */
declare const window: {
  join(): Promise<{ producerId: string; consumers?: number }>;
  bytes(): Promise<number>;
  waits: Record<string, number>;
};

interface Placement {
  room: { id: string; parentId: string | null };
}

describe.skipIf(missing)('a browser speaker heard by a browser listener in an overflow room', () => {
  let api: RunningServer;
  let pages: Server;
  let url: string;
  let browser: Browser;
  const dir = makeTempDir('media-browser');
  const namespace = serverNamespace('media-browser');
  const internalErrors: string[] = [];
  const deaths: string[] = [];

  beforeAll(async () => {
    await bundleMediasoupClient(dir.path);
    ({ server: pages, url } = await startPageServer(dir.path));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SPILLWAY_JWT_SECRET: SECRET,
      ...namespace.env,
      SPILLWAY_MEDIA: 'on',
      SPILLWAY_MEDIA_IP: '127.0.0.1',
      SPILLWAY_MEDIA_WORKERS: '2',
      // The page is served from another origin: the API lets only that one call it (CORS).
      SPILLWAY_CORS_ORIGINS: url,
    };
    delete env.REDIS_URL;
    delete env.SPILLWAY_MEDIA_ANNOUNCED_IP;
    api = await serve(loadConfig({ dataDir: dir.path, port: '0' }, env), {
      onInternalError: (error, requestId) => internalErrors.push(`${requestId}: ${String(error)}`),
    });
    api.media!.observer.on('routersLost', (e) => {
      if (e.reason === 'workerDied') deaths.push(e.rooms.map((r) => r.roomId).join(', '));
    });
    browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  });
  afterAll(async () => {
    await browser?.close();
    pages?.close();
    await api?.stop();
    dir.remove();
    await namespace.remove();
  });

  const gql = async <T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const json = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
    expect(json.errors, query).toBeUndefined();
    return json.data!;
  };
  const JOIN = 'mutation($roomId: ID!) { joinRoom(roomId: $roomId) { ... on Placement { room { id parentId } } } }';

  const open = async (token: string, role: string, room: string, user: string): Promise<Page> => {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.log(`[${user}] ${error.message}`));
    const query = new URLSearchParams({ api: api.url, token, room, role });
    await page.goto(`${url}/room.html?${query}`);
    await page.waitForFunction(() => typeof window.join === 'function');
    return page;
  };

  /** Joins, but reports a worker that died meanwhile (as a crash in the DTLS handshake) rather than the page's echo of it. */
  const join = async (page: Page) => {
    try {
      return await page.evaluate(() => window.join());
    } catch (error) {
      expect(
        deaths,
        `a mediasoup worker died while the browser joined (routers lost in: ${deaths.join('; ')})`,
      ).toEqual([]);
      throw error;
    }
  };

  it('delivers the fake microphone over DTLS-SRTP through the pipe', async () => {
    const [sol, fay, lee] = await Promise.all([
      signToken(SECRET, 'sol', ['producer']),
      signToken(SECRET, 'fay', ['listener']),
      signToken(SECRET, 'lee', ['listener']),
    ]);
    // The opener moderates and is on stage: the speaker.
    const { openRoom } = await gql<{ openRoom: { id: string } }>(
      sol,
      'mutation { openRoom(input: { title: "Stage", capacity: 1 }) { id } }',
    );
    const stage = openRoom.id;
    // A room without media (yet) answers NOT_FOUND: what the page retries while the reconciler catches up.
    const early = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sol}` },
      body: JSON.stringify({ query: '{ routerRtpCapabilities(roomId: "no-such-room") }' }),
    });
    expect(
      ((await early.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code,
    ).toBe('NOT_FOUND');
    const speaker = await open(sol, 'speaker', stage, 'sol');
    const { producerId } = await join(speaker);

    // Fay takes the main room's one seat; Lee overflows.
    const filler = await gql<{ joinRoom: Placement }>(fay, JOIN, { roomId: stage });
    expect(filler.joinRoom.room).toEqual({ id: stage, parentId: null });
    const placed = await gql<{ joinRoom: Placement }>(lee, JOIN, { roomId: stage });
    expect(placed.joinRoom.room.parentId).toBe(stage);
    const overflowId = placed.joinRoom.room.id;
    expect(overflowId).not.toBe(stage);

    const listener = await open(lee, 'listener', overflowId, 'lee');
    const joined = await join(listener);

    expect(joined).toEqual({ producerId, consumers: 1 });
    const overflow = api.media!.inventory().rooms.find((r) => r.roomId === overflowId)!.routers[0]!;
    expect(overflow).toMatchObject({ listeners: 1, pipes: 1 });

    const samples: number[] = [];
    for (let i = 0; i < 40 && (samples.length < 4 || samples.at(-1)! <= samples.at(-4)!); i += 1) {
      samples.push(await listener.evaluate(() => window.bytes()));
      await sleep(500);
    }
    const sent = await speaker.evaluate(() => window.bytes());
    const waits = JSON.stringify({
      speaker: await speaker.evaluate(() => window.waits),
      listener: await listener.evaluate(() => window.waits),
    });
    console.log(
      `browser media: listener bytesReceived samples ${samples.join(' → ')}; speaker bytesSent ${sent}; waits for media ${waits}`,
    );
    expect(samples.at(-1)!).toBeGreaterThan(0);
    // Growing across the last three polls: audio keeps flowing, not one burst.
    expect(samples.at(-1)!).toBeGreaterThan(samples.at(-2)!);
    expect(samples.at(-2)!).toBeGreaterThan(samples.at(-3)!);
    expect(deaths).toEqual([]);
    expect(internalErrors).toEqual([]);
  });
});
