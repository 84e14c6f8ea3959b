// Regenerates docs/dashboard.png, the README's picture of the dashboard:
// `npm run screenshot`. A server of its own (temporary data, in-process
// its scheduler's Redis keys removed after, no media) gets a room that
// spills into an overflow room and a second room; Debian's chromium draws the
// page once the chart has a few steps. Tests never write this file.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig, serve, signToken } from '../src/runtime/index.ts';
import { launchChromium } from '../test/support/chromium.ts';
import { serverNamespace } from '../test/support/serverNamespace.ts';

const OUT = fileURLToPath(new URL('../docs/dashboard.png', import.meta.url));
const SECRET = `screenshot-${randomUUID()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(join(tmpdir(), 'spillway-screenshot-'));
const namespace = serverNamespace('screenshot');
const server = await serve(
  loadConfig(
    { dataDir: dir, port: '0' },
    { ...process.env, ...namespace.env, SPILLWAY_JWT_SECRET: SECRET, SPILLWAY_MEDIA: 'off' },
  ),
  { logger: pino({ level: 'warn' }) },
);
const gql = async <T>(userId: string, roles: string[], query: string, variables = {}): Promise<T> => {
  const token = await signToken(SECRET, userId, roles as never);
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!body.data || body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
};
const openRoom = async (title: string, capacity: number) =>
  (
    await gql<{ openRoom: { id: string } }>(
      'host',
      ['producer'],
      'mutation($t: String!, $c: Int!) { openRoom(input: { title: $t, capacity: $c }) { id } }',
      { t: title, c: capacity },
    )
  ).openRoom.id;
const listen = (roomId: string, fan: string) =>
  gql(fan, ['listener'], 'mutation($id: ID!) { joinRoom(roomId: $id) { ... on Placement { role } } }', { id: roomId });

const browser = await launchChromium();
try {
  const morning = await openRoom('Morning show', 10);
  for (let i = 0; i < 3; i += 1) await listen(morning, `early-${i}`);
  const famous = await openRoom('Famous guest', 4);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(new URL('/', server.url).href);
  await page.locator('#status', { hasText: 'live' }).waitFor();
  for (let i = 0; i < 7; i += 1) {
    await sleep(400);
    await listen(famous, `fan-${i}`);
  }
  await page.locator(`li.family[data-room-id="${famous}"] li.overflow-room`).waitFor();
  await page.locator(`li.family[data-room-id="${famous}"] button.room-main`).click();
  await sleep(1500);
  await page.screenshot({ path: OUT, fullPage: true });
  process.stdout.write(`wrote ${OUT}\n`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  await namespace.remove();
}
