// GraphiQL with no internet: Debian's chromium opens the server's /graphql,
// a query typed into GraphiQL's editor runs against the real server, and the
// answer shows in its result pane; every request the page made went to the
// server itself (yoga's own page would load GraphiQL from a CDN and stay blank).
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, serve, signToken, type RunningServer } from '../../src/runtime/index.ts';
import { chromiumMissing, launchChromium } from '../support/chromium.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

const SECRET = 'graphiql-test-secret-0123456789';
const missing = chromiumMissing();
if (missing) console.log(`GraphiQL browser test skipped: ${missing}`);

describe.skipIf(missing)('GraphiQL, offline', () => {
  const dir = makeTempDir('graphiql');
  const namespace = serverNamespace('graphiql');
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...namespace.env,
      SPILLWAY_JWT_SECRET: SECRET,
      SPILLWAY_MEDIA: 'off',
    };
    delete env.REDIS_URL;
    server = await serve(loadConfig({ dataDir: join(dir.path, 'data'), port: '0' }, env), {
      logger: pino({ level: 'silent' }),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    dir.remove();
    await namespace.remove();
  });

  it('serves its assets from the engine, versioned and cached, and a 404 for what is not one of them', async () => {
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/unpkg|jsdelivr|cdn/i);
    const script = /<script src="(\/graphiql\/[\d.]+\/graphiql\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, server.url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
    expect((await fetch(new URL(script!.replace('graphiql.js', 'nope.js'), server.url))).status).toBe(404);
  });

  it('runs a query typed into it and shows the answer, with no request leaving 127.0.0.1', async () => {
    const producer = await signToken(SECRET, 'host', ['producer']);
    const opened = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${producer}` },
      body: JSON.stringify({ query: 'mutation { openRoom(input: { title: "Offline jazz", capacity: 9 }) { id } }' }),
    });
    expect(((await opened.json()) as { errors?: unknown }).errors).toBeUndefined();

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
    await page.goto(server.url);

    const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await editor.waitFor({ timeout: 30_000 });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // Typed key by key, as a person would; Monaco closes brackets itself and types over them.
    await page.keyboard.type('{ rooms { nodes { title capacity } } }');
    await page.locator('.graphiql-execute-button').click();
    // The result pane is a read-only Monaco editor: its lines, as shown, with non-breaking spaces.
    const shown = async () =>
      ((await page.locator('.graphiql-response').textContent()) ?? '').replaceAll('\u00a0', ' ').replace(/\s+/g, ' ');
    await expect.poll(shown, { timeout: 15_000 }).toContain('Offline jazz');
    expect(await shown()).toContain('"nodes": [ { "title": "Offline jazz", "capacity": 9 } ]');

    const elsewhere = requested.filter((url) => {
      const { protocol, hostname } = new URL(url);
      return !['data:', 'blob:'].includes(protocol) && hostname !== '127.0.0.1';
    });
    expect(elsewhere).toEqual([]);
    expect(requested.some((url) => url.includes('/graphiql/'))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
});
