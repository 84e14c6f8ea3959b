// Debian's Chromium for the browser tests, and the room page's helpers.
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../support/chromium.ts';
import { expect } from 'vitest';
import { bundleMediasoupClient } from './bundle.ts';
import { startPageServer } from './pageServer.ts';

/** A fake microphone (Chromium's beep), granted without asking, and audio played without a gesture. */
export const FAKE_MIC_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export const JOIN =
  'mutation($roomId: ID!) { joinRoom(roomId: $roomId) { ... on Placement { room { id parentId } } } }';

/** A GraphQL POST with a bearer token that expects no errors. */
export const graphqlAt =
  (api: () => string) =>
  async <T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(api(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const json = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
    expect(json.errors, query).toBeUndefined();
    return json.data!;
  };

/** Opens room.html for one user, signaling through `api`, and waits for its script. */
export const openRoomPage = async (
  browser: Browser,
  pageUrl: string,
  params: { api: string; token: string; room: string; role: string; user: string },
): Promise<Page> => {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.log(`[${params.user}] ${error.message}`));
  const query = new URLSearchParams({ api: params.api, token: params.token, room: params.room, role: params.role });
  await page.goto(`${pageUrl}/room.html?${query}`);
  await page.waitForFunction(() => typeof (globalThis as { join?: unknown }).join === 'function');
  return page;
};

export interface RoomPages {
  readonly browser: Browser;
  /** Where room.html is served. */
  readonly url: string;
  close(): Promise<void>;
}

/** Bundles mediasoup-client into `dir`, serves room.html beside it, and launches Chromium with a fake microphone. */
export const startRoomPages = async (dir: string): Promise<RoomPages> => {
  await bundleMediasoupClient(dir);
  const { server, url } = await startPageServer(dir);
  const browser = await launchChromium(FAKE_MIC_ARGS);
  return {
    browser,
    url,
    close: async () => {
      await browser.close();
      server.close();
    },
  };
};
