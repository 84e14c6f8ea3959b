// The surge report's chart in a real browser: every room is a line of its own,
// named by title or "overflow N", visible even when it filled within one
// second, with axis titles and time ticks a person can read.
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport, type SurgeReport } from '../../src/cli/demo/report.ts';
import { chromiumMissing, launchChromium } from '../support/chromium.ts';
import { makeTempDir } from '../support/tempDir.ts';

const missing = chromiumMissing();
if (missing) console.log(`report browser test skipped: ${missing}`);

const second = (s: number) => new Date(Date.UTC(2026, 11, 1, 20, 0, s)).toISOString();
const id = 'a1b2c3d4-0000-4000-8000-00000000beef';
const report: SurgeReport = {
  listeners: 2000,
  admitted: 2000,
  rooms: [
    { roomId: id, label: 'Headliner live', listeners: 500, capacity: 500 },
    ...[1, 2, 3].map((n) => ({ roomId: `${id}.overflow-${n}`, label: `overflow ${n}`, listeners: 500, capacity: 500 })),
  ],
  overcap: 0,
  queuedOnJoin: 0,
  queued: 0,
  queuePeak: 0,
  admittedFromQueue: 0,
  left: 0,
  refused: 0,
  waiting: [],
  joinsPerSecond: 1200,
  p50Ms: 10,
  p99Ms: 90,
  lagP99Ms: 20,
  mediaDelivery: null,
  timelines: {
    // The main room filled within its first second: one point.
    [id]: [{ second: second(0), listeners: 500 }],
    [`${id}.overflow-1`]: [
      { second: second(0), listeners: 300 },
      { second: second(1), listeners: 500 },
    ],
    [`${id}.overflow-2`]: [
      { second: second(1), listeners: 200 },
      { second: second(2), listeners: 500 },
    ],
    [`${id}.overflow-3`]: [{ second: second(2), listeners: 500 }],
  },
};

describe.skipIf(missing)('the surge report in a browser', () => {
  const dir = makeTempDir('report');
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    dir.remove();
  });

  it('names every room once, draws each one visibly, and titles its axes', async () => {
    const { html } = writeReport(dir.path, report);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(html).href);
    const legend = await page.locator('svg .legend-item text').allTextContents();
    expect(legend).toEqual(['Headliner live', 'overflow 1', 'overflow 2', 'overflow 3']);
    expect(new Set(legend).size).toBe(legend.length);
    const widths = await page
      .locator('svg g.series polyline')
      .evaluateAll((lines) => lines.map((line) => (line as SVGGraphicsElement).getBBox().width));
    expect(widths).toHaveLength(4);
    for (const width of widths) expect(width).toBeGreaterThan(50);
    expect(await page.locator('svg .axis-title').allTextContents()).toEqual(['time (UTC, hh:mm:ss)', 'listeners']);
    const ticks = (await page.locator('svg text').allTextContents()).filter((t) => /^\d\d:\d\d:\d\d$/.test(t));
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks[0]).toBe('20:00:00');
    expect(await page.locator('table td:first-child').allTextContents()).toEqual(legend);
    await page.close();
  });
});
