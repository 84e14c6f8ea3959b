// The live dashboard in a real browser (Debian's chromium, headless) against a
// real server in this process: rooms opened and joined through the GraphQL API
// show up with their counts, and an overflow room appears in its family's tree.
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, serve, signToken, type RunningServer } from '../../src/runtime/index.ts';
import { chromiumMissing, launchChromium } from '../support/chromium.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

const SECRET = 'dashboard-test-secret-0123456789';
const missing = chromiumMissing();
if (missing) console.log(`dashboard browser test skipped: ${missing}`);

describe.skipIf(missing)('the live dashboard in a browser', () => {
  const dir = makeTempDir('dashboard');
  const namespace = serverNamespace('dashboard');
  let server: RunningServer;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const internalErrors: string[] = [];

  // The server runs only trusted documents (as in production), so the test sends them by id too.
  const gql = async <T>(token: string, documentId: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ documentId, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!;
  };
  /** No trusted document opens rooms: the test opens them through the command path. */
  const openRoom = async (title: string, capacity: number): Promise<string> => {
    const roomId = randomUUID();
    const { position } = await server.engine.commands.send({
      type: 'OpenRoom',
      data: { roomId, title, capacity },
      metadata: { actor: `owner-${randomUUID()}`, at: new Date().toISOString() },
    });
    await server.engine.readModels.waitFor(position);
    return roomId;
  };
  const joinListeners = async (roomId: string, listeners: number): Promise<string[]> => {
    const placed: string[] = [];
    for (let i = 0; i < listeners; i += 1) {
      const fan = await signToken(SECRET, `fan-${randomUUID()}`, ['listener']);
      const { joinRoom } = await gql<{ joinRoom: { room: { id: string } } }>(fan, 'JoinRoom', { roomId });
      placed.push(joinRoom.room.id);
    }
    return placed;
  };
  const family = (roomId: string) => page.locator(`li.family[data-room-id="${roomId}"]`);

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SPILLWAY_JWT_SECRET: SECRET,
      ...namespace.env,
      SPILLWAY_MEDIA: 'off',
      SPILLWAY_TRUSTED_DOCUMENTS: 'only',
    };
    delete env.REDIS_URL;
    server = await serve(loadConfig({ dataDir: join(dir.path, 'data'), port: '0' }, env), {
      logger: pino({ level: 'silent' }),
      onInternalError: (error, requestId) => internalErrors.push(`${requestId}: ${String(error)}`),
    });
    origin = new URL(server.url).origin;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    dir.remove();
    await namespace.remove();
  });

  it('serves the page and its stylesheet at / and leaves GraphQL and /metrics alone', async () => {
    const html = await fetch(`${origin}/`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain('<ul id="rooms">');
    const css = await fetch(`${origin}/dashboard.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetch(`${origin}/metrics`)).status).toBe(200);
    const adHoc = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ rooms { nodes { id } } }' }),
    });
    expect(adHoc.status, 'ad-hoc documents are refused').toBe(403);
    const trusted = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: 'DashboardRooms' }),
    });
    expect(await trusted.json()).toEqual({
      data: { rooms: { nodes: [], pageInfo: { endCursor: null, hasNextPage: false } } },
    });
  });

  it('loads without errors and goes live on the directory feed', async () => {
    await page.goto(`${origin}/`);
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 5000 }).toBe('live');
    await expect.poll(() => page.locator('#rooms .empty').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('shows a room opened and joined through the API, with its counts, within 2 s', async () => {
    const roomId = await openRoom('Morning show', 10);
    await joinListeners(roomId, 3);
    const started = Date.now();
    await expect.poll(() => family(roomId).getAttribute('data-listeners'), { timeout: 2000, interval: 50 }).toBe('3');
    console.log(`dashboard showed the room's 3 listeners ${Date.now() - started} ms after the last join`);
    await expect.poll(() => family(roomId).locator('.room-title').textContent()).toBe('Morning show');
    expect(await family(roomId).locator('.room-main .count').textContent()).toBe('3 / 10');
    expect(await family(roomId).getAttribute('data-capacity')).toBe('10');
    expect(pageErrors).toEqual([]);
  });

  it('adds an overflow room to the family tree when the main room fills, and charts the busiest family', async () => {
    const roomId = await openRoom('Famous guest', 2);
    await expect.poll(() => family(roomId).count(), { timeout: 2000, interval: 50 }).toBe(1);
    // One at a time, so the chart of observed counts has steps to show.
    const placed: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      placed.push(...(await joinListeners(roomId, 1)));
    }
    const overflowId = placed[2]!;
    expect(overflowId).not.toBe(roomId);
    expect(placed.slice(0, 2)).toEqual([roomId, roomId]);
    const tree = family(roomId);
    await expect.poll(() => tree.locator('li.overflow-room').count(), { timeout: 2000, interval: 50 }).toBe(1);
    const overflow = tree.locator(`li.overflow-room[data-room-id="${overflowId}"]`);
    await expect.poll(() => overflow.getAttribute('data-listeners'), { timeout: 2000 }).toBe('2');
    expect(await overflow.getAttribute('data-open')).toBe('true');
    expect(await overflow.locator('.overflow-title').textContent()).toBe('↳ overflow 1');
    expect(await tree.getAttribute('data-listeners')).toBe('2');
    expect(await tree.getAttribute('data-family-listeners')).toBe('4');
    expect(await tree.getAttribute('data-full')).toBe('true');
    expect(await tree.locator('.badge.full').count()).toBe(1);

    // Live rooms by listeners, the busiest family first and charted before anyone clicks.
    expect(await page.locator('li.family').evaluateAll((items) => items.map((i) => i.dataset.roomId))).toEqual([
      roomId,
      expect.any(String),
    ]);
    await expect.poll(() => page.locator('#chart-title').textContent()).toBe('Listeners over time · Famous guest');
    const legend = await page.locator('#chart-legend .legend-item').allTextContents();
    expect(legend).toEqual(['family: main + 1 overflow room', 'main room', "main room's 2 seats"]);
    expect(new Set(legend).size).toBe(legend.length);
    expect(await page.locator('#chart svg .axis-title').allTextContents()).toEqual([
      'time (this browser’s clock)',
      'listeners',
    ]);
    const ticks = await page.locator('#chart svg .time-tick').allTextContents();
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const tick of ticks) expect(tick).toMatch(/^\d\d:\d\d:\d\d$/);
    await expect
      .poll(() => page.locator('#activity li').allTextContents())
      .toContainEqual(expect.stringContaining('Famous guest: overflow 1 opened'));

    // Chart it: the observed counts (no token) as inline SVG, with a note saying what it shows.
    await tree.locator('button.room-main').click();
    await expect.poll(() => page.locator('#chart-title').textContent()).toContain('Famous guest');
    expect(await page.locator('#chart svg polyline.family-line').count()).toBe(1);
    expect(await page.locator('#chart-note').textContent()).toMatch(/observed since it loaded/);
    expect(await page.locator('#sessions-note').textContent()).toMatch(/needs a token/);

    await expect.poll(() => page.locator('#activity li').count()).toBeGreaterThanOrEqual(4);
    const shot = join(dir.path, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(pageErrors).toEqual([]);
  });

  it('with an analyst token, charts the server-side timeline and lists upcoming sessions', async () => {
    const producer = await signToken(SECRET, 'booker', ['producer']);
    await gql(producer, 'ScheduleSession', {
      input: {
        title: 'Late show',
        startsAt: new Date(Date.now() + 3_600_000).toISOString(),
        headlinerUserId: 'star',
        expectedAudience: 500,
      },
    });
    await page.locator('details.signin summary').click();
    await page.locator('#token').fill(await signToken(SECRET, 'ana', ['analyst']));
    await page.locator('#signin button[type="submit"]').click();
    await expect.poll(() => page.locator('#viewer').textContent()).toBe('Signed in as ana (analyst)');
    await expect.poll(() => page.locator('#chart-note').textContent()).toMatch(/whole timeline from roomAnalytics/);
    expect(await page.locator('#chart svg polyline.family-line').count()).toBe(1);
    await expect
      .poll(() => page.locator('#sessions li').allTextContents())
      .toEqual([expect.stringMatching(/Late show/)]);
    expect(pageErrors).toEqual([]);
    expect(internalErrors).toEqual([]);
  });
});
