import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tempDir.ts';
import { runSpillway } from './spillway.test.ts';

interface Report {
  listeners: number;
  admitted: number;
  rooms: Array<{ roomId: string; listeners: number; capacity: number }>;
  overcap: number;
  mediaDelivery: number | null;
  timelines: Record<string, Array<{ second: string; listeners: number }>>;
}

describe('spillway demo surge (the main job, end to end over HTTP with real media)', () => {
  const dir = makeTempDir('demo');
  afterAll(() => dir.remove());

  it('schedules, opens, fills and spills a headliner room: every listener placed, no room over its cap, audio heard in every room', async () => {
    const out = join(dir.path, 'report');
    const { code, stdout, stderr } = await runSpillway(
      [
        'demo',
        'surge',
        '--listeners',
        '2000',
        '--capacity',
        '500',
        '--clients',
        '64',
        '--data',
        dir.path,
        '--out',
        out,
      ],
      { SPILLWAY_QUEUE: `demo-test-${randomUUID()}`, SPILLWAY_MEDIA: 'on', REDIS_URL: '' },
    );
    expect(code, stderr.slice(-2000)).toBe(0);
    const last = stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(
      /^surge demo: listeners=2000 admitted=2000 rooms=4 overcap=0 p50=\d+\.\dms p99=\d+\.\dms lag_p99=\d+\.\dms media_delivery=\d+\.\d%$/,
    );
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.admitted).toBe(2000);
    expect(report.overcap).toBe(0);
    expect(report.rooms.map((r) => r.listeners)).toEqual([500, 500, 500, 500]);
    // Speakers send 50 packets/s each over loopback UDP and one listener per
    // room counts them for 2 s. Losses are packets in flight at the window's
    // edges and drops while the machine is saturated (we see 95-99% here); a
    // room whose pipe is missing would take one of four rooms to 0 and the
    // figure to at most 75%, so 80% separates working from broken.
    expect(report.mediaDelivery).toBeGreaterThanOrEqual(0.8);
    expect(Object.keys(report.timelines)).toHaveLength(4);
    for (const timeline of Object.values(report.timelines)) expect(timeline.at(-1)?.listeners).toBe(500);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<svg[^>]*aria-label="listeners over time"/);
  });

  it('refuses a --url that is not a GraphQL URL, in one line', async () => {
    const { code, stderr } = await runSpillway(['demo', 'surge', '--url', 'localhost:4000', '--data', dir.path]);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/--url must be the API's GraphQL URL/);
  });
});
