// A real browser end to end: Debian's chromium produces its fake microphone
// through mediasoup-client into the main room; a second page placed in an
// overflow room (another worker, fed by pipeToRouter) receives it. Growing
// inbound-rtp bytes prove ICE, DTLS-SRTP and the pipe all work.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediasoupMediaPlane, type MediaPlane } from '../../src/media/index.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { bundleMediasoupClient } from './browser/bundle.ts';
import { startSignalingServer } from './browser/signalingServer.ts';
import { livePlan } from './plans.ts';
import { sleep } from './rtp.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];
const missing = !existsSync(CHROMIUM);
if (missing) console.log(`browser media test skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

/** What room.html puts on its window; the callbacks below run in the page, where `window` exists. */
declare const window: {
  join(): Promise<{ producerId: string; consumers?: number }>;
  bytes(): Promise<number>;
};

describe.skipIf(missing)('a browser speaker heard by a browser listener in an overflow room', () => {
  let media: MediaPlane;
  let server: Server;
  let url: string;
  let browser: Browser;
  const dir = makeTempDir('media-browser');

  const deaths: string[] = [];
  beforeAll(async () => {
    media = await createMediasoupMediaPlane({ listenIp: '127.0.0.1', workers: 2 });
    media.observer.on('routersLost', (e) => {
      if (e.reason === 'workerDied') deaths.push(e.rooms.map((r) => r.roomId).join(', '));
    });
    await media.reconcile([livePlan('stage', ['sol'], 1)]);
    await bundleMediasoupClient(dir.path);
    ({ server, url } = await startSignalingServer(media, dir.path));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    media?.close();
    dir.remove();
  });

  const open = async (role: string, room: string, user: string): Promise<Page> => {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.log(`[${user}] ${error.message}`));
    await page.goto(`${url}/room.html?role=${role}&room=${room}&user=${user}`);
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
    const speaker = await open('speaker', 'stage', 'sol');
    const { producerId } = await join(speaker);
    const listener = await open('listener', 'stage-overflow-1', 'lee');
    const joined = await join(listener);

    expect(joined).toEqual({ producerId, consumers: 1 });
    const overflow = media.inventory().rooms.find((r) => r.roomId === 'stage-overflow-1')!.routers[0]!;
    expect(overflow).toMatchObject({ listeners: 1, pipes: 1 });

    const samples: number[] = [];
    for (let i = 0; i < 40 && (samples.length < 4 || samples.at(-1)! <= samples.at(-4)!); i += 1) {
      samples.push(await listener.evaluate(() => window.bytes()));
      await sleep(500);
    }
    const sent = await speaker.evaluate(() => window.bytes());
    console.log(`browser media: listener bytesReceived samples ${samples.join(' → ')}; speaker bytesSent ${sent}`);
    expect(samples.at(-1)!).toBeGreaterThan(0);
    // Growing across the last three polls: audio keeps flowing, not one burst.
    expect(samples.at(-1)!).toBeGreaterThan(samples.at(-2)!);
    expect(samples.at(-2)!).toBeGreaterThan(samples.at(-3)!);
    expect(deaths).toEqual([]);
  });
});
