// Browsers on both ends of a cross-host pipe: Chromium's fake microphone
// produces through mediasoup-client into the main room on media host b; a
// Chromium listener placed in an overflow room on media host c hears it
// (bytes and an audio level). Then host c's media node is killed: the page,
// told by its room feed (SSE), joins again and hears the speaker from b.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../../src/runtime/index.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import { chromiumMissing } from '../../support/chromium.ts';
import { graphqlAt, JOIN, openRoomPage, startRoomPages, type RoomPages } from '../browser/chromium.ts';
import { eventually, sleep } from '../rtp.ts';
import { JWT_SECRET, startCluster, type Cluster } from './cluster.ts';

const missing = chromiumMissing();
if (missing) console.log(`cross-host browser test skipped: ${missing}`);

declare const window: {
  join(): Promise<{ producerId: string; consumers?: number }>;
  watch(): Promise<void>;
  bytes(): Promise<number>;
  level(): Promise<number>;
  reconnects: number;
};

describe.skipIf(missing)('a browser speaker on one media host heard by a browser listener on another', () => {
  let cluster: Cluster;
  let pages: RoomPages;
  const dir = makeTempDir('media-cluster-browser');

  beforeAll(async () => {
    pages = await startRoomPages(dir.path);
    // The page is served from another origin: the API lets only that one call it (CORS).
    cluster = await startCluster(['b', 'c'], { corsOrigin: pages.url });
  });
  afterAll(async () => {
    await pages?.close();
    await cluster?.close();
    dir.remove();
  });

  const gql = graphqlAt(() => cluster.api.url);
  const open = (token: string, role: string, room: string, user: string): Promise<Page> =>
    openRoomPage(pages.browser, pages.url, { api: cluster.api.url, token, room, role, user });

  /** Polls the listener's received bytes until they grow three times in a row, or `ms` passes. */
  const flowing = async (page: Page, ms: number): Promise<number[]> => {
    const samples: number[] = [];
    const until = Date.now() + ms;
    while (
      Date.now() < until &&
      (samples.length < 4 ||
        !(samples.at(-1)! > samples.at(-2)! && samples.at(-2)! > samples.at(-3)! && samples.at(-3)! > 0))
    ) {
      samples.push(await page.evaluate(() => window.bytes()));
      await sleep(100);
    }
    return samples;
  };

  it('delivers the fake microphone across hosts, and again after the listener’s media node is killed', async () => {
    const [sol, fay, lee] = await Promise.all(
      [
        ['sol', 'producer'],
        ['fay', 'listener'],
        ['lee', 'listener'],
      ].map(([user, role]) => signToken(JWT_SECRET, user!, [role as 'producer' | 'listener'])),
    );
    const { openRoom } = await gql<{ openRoom: { id: string } }>(
      sol!,
      'mutation { openRoom(input: { title: "Across", capacity: 1 }) { id } }',
    );
    const stage = openRoom.id;
    // Its listeners are admitted within the seats media holds for it.
    const seats = () => cluster.api.engine.readModels.capacityPlan(stage)?.mediaSeats ?? 0;
    expect(await eventually(() => seats() >= 2, 10_000)).toBe(true);
    const speaker = await open(sol!, 'speaker', stage, 'sol');
    const { producerId } = await speaker.evaluate(() => window.join());
    await gql(fay!, JOIN, { roomId: stage });
    const placed = await gql<{ joinRoom: { room: { id: string; parentId: string | null } } }>(lee!, JOIN, {
      roomId: stage,
    });
    const overflowId = placed.joinRoom.room.id;
    expect(placed.joinRoom.room.parentId).toBe(stage);
    expect(await eventually(() => cluster.placement(stage)[overflowId] === 'c', 10_000)).toBe(true);
    expect(cluster.placement(stage)[stage]).toBe('b');

    const listener = await open(lee!, 'listener', overflowId, 'lee');
    expect(await listener.evaluate(() => window.join())).toEqual({ producerId, consumers: 1 });
    const samples = await flowing(listener, 20_000);
    expect(samples.at(-1)!).toBeGreaterThan(samples.at(-2)!);
    expect(samples.at(-2)!).toBeGreaterThan(samples.at(-3)!);
    // Chromium's fake microphone beeps: the peak over a few seconds is the tone's, not silence's.
    let level = 0;
    const heard = await eventually(async () => {
      level = Math.max(level, await listener.evaluate(() => window.level()));
      return level > 0.01;
    }, 8_000);
    expect(heard, `audio level stayed at ${level}`).toBe(true);
    expect((await cluster.inventory('c')).hostPipes).toEqual([
      expect.objectContaining({ direction: 'in', nodeId: 'b', srtp: true }),
    ]);

    await listener.evaluate(() => window.watch());
    await sleep(300); // the subscription is open before the kill
    const killedAt = performance.now();
    cluster.media.c!.process.kill('SIGKILL');
    expect(await eventually(() => listener.evaluate(() => window.reconnects >= 1), 10_000)).toBe(true);
    const again = await flowing(listener, 10_000);
    const heardAt = performance.now();
    expect(again.at(-1)!).toBeGreaterThan(again.at(-2)!);
    expect(again.at(-2)!).toBeGreaterThan(again.at(-3)!);
    expect(cluster.placement(stage)[overflowId]).toBe('b');
    console.log(
      `cross-host browser (${cluster.hosts.kind}): listener on c received ${samples.join(' → ')} bytes, audio level ${level.toFixed(3)}; after SIGKILL of c, heard again from b within ${Math.round(heardAt - killedAt)} ms (bytes ${again.join(' → ')})`,
    );
  });
});
