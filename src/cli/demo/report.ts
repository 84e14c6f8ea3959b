import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SurgeReport {
  readonly listeners: number;
  readonly admitted: number;
  readonly rooms: ReadonlyArray<{ readonly roomId: string; readonly listeners: number; readonly capacity: number }>;
  readonly overcap: number;
  readonly joinsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly lagP99Ms: number;
  /** Packets the sampled listeners received over those the speakers sent them; null without media. */
  readonly mediaDelivery: number | null;
  readonly timelines: Record<string, ReadonlyArray<{ readonly second: string; readonly listeners: number }>>;
}

export const reportLine = (r: SurgeReport): string =>
  `surge demo: listeners=${r.listeners} admitted=${r.admitted} rooms=${r.rooms.length} overcap=${r.overcap} p50=${r.p50Ms.toFixed(1)}ms p99=${r.p99Ms.toFixed(1)}ms lag_p99=${r.lagP99Ms.toFixed(1)}ms media_delivery=${r.mediaDelivery === null ? 'n/a' : `${(r.mediaDelivery * 100).toFixed(1)}%`}`;

const COLORS = ['#d7263d', '#1b998b', '#2e294e', '#f46036', '#c5d86d', '#3a86ff', '#8338ec', '#ff006e'];

/** Every room's listeners over time, one line each, as an inline SVG (no chart library). */
const chart = (timelines: SurgeReport['timelines']): string => {
  const series = Object.entries(timelines).filter(([, points]) => points.length > 0);
  const times = series.flatMap(([, points]) => points.map((p) => Date.parse(p.second)));
  const max = Math.max(1, ...series.flatMap(([, points]) => points.map((p) => p.listeners)));
  const t0 = Math.min(...times);
  const t1 = Math.max(t0 + 1000, ...times);
  const x = (t: number) => 50 + ((t - t0) / (t1 - t0)) * 700;
  const y = (v: number) => 330 - (v / max) * 300;
  const lines = series.map(([roomId, points], i) => {
    const path = points
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${x(Date.parse(p.second)).toFixed(1)},${y(p.listeners).toFixed(1)}`)
      .join(' ');
    const color = COLORS[i % COLORS.length]!;
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/><text x="760" y="${20 + i * 16}" fill="${color}" font-size="12">${roomId}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="360" role="img" aria-label="listeners over time">
<line x1="50" y1="330" x2="750" y2="330" stroke="#888"/><line x1="50" y1="30" x2="50" y2="330" stroke="#888"/>
<text x="5" y="35" font-size="12">${max}</text><text x="5" y="330" font-size="12">0</text>
<text x="50" y="350" font-size="12">${new Date(t0).toISOString()}</text><text x="600" y="350" font-size="12">${new Date(t1).toISOString()}</text>
${lines.join('\n')}</svg>`;
};

const escape = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

/** Writes report.json and report.html into `folder`; returns their paths. */
export const writeReport = (folder: string, report: SurgeReport): { json: string; html: string } => {
  mkdirSync(folder, { recursive: true });
  const json = join(folder, 'report.json');
  const html = join(folder, 'report.html');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  const rows = report.rooms
    .map((r) => `<tr><td>${escape(r.roomId)}</td><td>${r.listeners}</td><td>${r.capacity}</td></tr>`)
    .join('');
  writeFileSync(
    html,
    `<!doctype html><html><head><meta charset="utf-8"><title>Spillway surge report</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1040px}table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}</style></head>
<body><h1>Surge report</h1><p><code>${escape(reportLine(report))}</code></p>
<h2>Listeners over time, every room of the family</h2>${chart(report.timelines)}
<h2>Rooms</h2><table><tr><th>room</th><th>listeners</th><th>capacity</th></tr>${rows}</table>
<p>${report.joinsPerSecond.toFixed(0)} joins/s over HTTP.</p></body></html>\n`,
  );
  return { json, html };
};
