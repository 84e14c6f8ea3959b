import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SurgeReport {
  readonly listeners: number;
  readonly admitted: number;
  readonly rooms: ReadonlyArray<{
    readonly roomId: string;
    /** The main room's title, or "overflow N". */
    readonly label: string;
    readonly listeners: number;
    readonly capacity: number;
  }>;
  readonly overcap: number;
  /** Told Queued when they joined (the family had no seat for them). */
  readonly queuedOnJoin: number;
  /** Still waiting at the end, each with a position. */
  readonly queued: number;
  readonly queuePeak: number;
  readonly admittedFromQueue: number;
  /** Seated listeners who left after the joins (--leave). */
  readonly left: number;
  /** Joins that got an error (ROOM_FULL past the waiting room's limit, or anything else). */
  readonly refused: number;
  readonly joinsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly lagP99Ms: number;
  /** Packets the sampled listeners received over those the speakers sent them; null without media. */
  readonly mediaDelivery: number | null;
  readonly timelines: Record<string, ReadonlyArray<{ readonly second: string; readonly listeners: number }>>;
  /** The family's waiting room over time (the main room's seconds). */
  readonly waiting: ReadonlyArray<{ readonly second: string; readonly queued: number }>;
}

export const reportLine = (r: SurgeReport): string =>
  `surge demo: listeners=${r.listeners} admitted=${r.admitted} rooms=${r.rooms.length} overcap=${r.overcap} queued=${r.queued} admitted_from_queue=${r.admittedFromQueue} left=${r.left} refused=${r.refused} p50=${r.p50Ms.toFixed(1)}ms p99=${r.p99Ms.toFixed(1)}ms lag_p99=${r.lagP99Ms.toFixed(1)}ms media_delivery=${r.mediaDelivery === null ? 'n/a' : `${(r.mediaDelivery * 100).toFixed(1)}%`}`;

const escape = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;');

/** What charts and tables call an overflow room: "overflow N", N from its id (`….overflow-N`). */
export const overflowLabel = (overflowRoomId: string, index: number): string =>
  `overflow ${/\.overflow-(\d+)$/.exec(overflowRoomId)?.[1] ?? index + 1}`;

const COLORS = ['#d7263d', '#1b998b', '#2e294e', '#f46036', '#3a86ff', '#8338ec', '#ff006e', '#6a994e'];

/** A step of 1, 2 or 5 × 10^k that cuts `range` into at most `most` parts. */
const niceStep = (range: number, most: number): number => {
  const rough = Math.max(range, 1) / most;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough) ?? 10 * power;
};
const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600];
const timeOfDay = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/**
 * Every room's listeners over time as an inline SVG (no chart library): one
 * step line per room, labelled by title or "overflow N", rising from 0 at its
 * first second and holding its last count to the end, with a dot at each
 * recorded second, so a room that filled within one second is still there.
 */
const chart = (report: SurgeReport): string => {
  const series = report.rooms
    .map((room, i) => ({
      label: room.label,
      color: COLORS[i % COLORS.length]!,
      points: (report.timelines[room.roomId] ?? []).map((p) => ({ t: Date.parse(p.second), v: p.listeners })),
    }))
    .filter((s) => s.points.length > 0);
  // The waiting room drawn like a room (dashed in the legend's colour), when anyone waited.
  if (report.waiting.some((p) => p.queued > 0)) {
    series.push({
      label: 'waiting room',
      color: '#b7791f',
      points: report.waiting.map((p) => ({ t: Date.parse(p.second), v: p.queued })),
    });
  }
  if (series.length === 0) return '<p>No room has a recorded timeline.</p>';
  const times = series.flatMap((s) => s.points.map((p) => p.t));
  const t0 = Math.min(...times);
  const t1 = Math.max(t0 + 2000, ...times) + 1000;
  const top = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.v)), ...report.rooms.map((r) => r.capacity));
  const [left, right, top_, bottom] = [70, 760, 20, 320];
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * (right - left);
  const yStep = niceStep(top, 6);
  const yMax = Math.ceil((top * 1.05) / yStep) * yStep;
  const y = (v: number) => bottom - (v / yMax) * (bottom - top_);
  const tStep = (TIME_STEPS_S.find((s) => (t1 - t0) / 1000 / s <= 8) ?? 43_200) * 1000;
  const grid: string[] = [];
  for (let v = 0; v <= yMax; v += yStep) {
    grid.push(
      `<line x1="${left}" y1="${y(v)}" x2="${right}" y2="${y(v)}" stroke="#eee"/><text x="${left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v}</text>`,
    );
  }
  for (let t = Math.ceil(t0 / tStep) * tStep; t <= t1; t += tStep) {
    grid.push(
      `<line x1="${x(t).toFixed(1)}" y1="${bottom}" x2="${x(t).toFixed(1)}" y2="${bottom + 4}" stroke="#888"/><text x="${x(t).toFixed(1)}" y="${bottom + 16}" font-size="11" text-anchor="middle">${timeOfDay(t)}</text>`,
    );
  }
  const lines = series.map((s, i) => {
    const steps = s.points.flatMap((p, j) => [
      `${x(p.t).toFixed(1)},${y(j === 0 ? 0 : s.points[j - 1]!.v).toFixed(1)}`,
      `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`,
    ]);
    steps.push(`${x(t1).toFixed(1)},${y(s.points.at(-1)!.v).toFixed(1)}`);
    const dots = s.points
      .map((p) => `<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="2.5" fill="${s.color}"/>`)
      .join('');
    // Full rooms share one level: earlier rooms are drawn wider underneath, so each stays in sight.
    const width = Math.min(8, 2 + 1.5 * (series.length - 1 - i));
    return `<g class="series" data-label="${escape(s.label)}"><polyline points="${steps.join(' ')}" fill="none" stroke="${s.color}" stroke-width="${width}" stroke-linejoin="round"/>${dots}</g>
<g class="legend-item"><rect x="780" y="${top_ + i * 18}" width="12" height="12" fill="${s.color}"/><text x="798" y="${top_ + 10 + i * 18}" font-size="12">${escape(s.label)}</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="370" role="img" aria-label="listeners over time">
${grid.join('\n')}
<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#888"/><line x1="${left}" y1="${top_}" x2="${left}" y2="${bottom}" stroke="#888"/>
<text class="axis-title" x="${(left + right) / 2}" y="${bottom + 40}" font-size="12" text-anchor="middle">time (UTC, hh:mm:ss)</text>
<text class="axis-title" x="16" y="${(top_ + bottom) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${(top_ + bottom) / 2})">listeners</text>
${lines.join('\n')}</svg>`;
};

/** Writes report.json and report.html into `folder`; returns their paths. */
export const writeReport = (folder: string, report: SurgeReport): { json: string; html: string } => {
  mkdirSync(folder, { recursive: true });
  const json = join(folder, 'report.json');
  const html = join(folder, 'report.html');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  const rows = report.rooms
    .map(
      (r) =>
        `<tr><td>${escape(r.label)}</td><td><code>${escape(r.roomId)}</code></td><td>${r.listeners}</td><td>${r.capacity}</td></tr>`,
    )
    .join('');
  writeFileSync(
    html,
    `<!doctype html><html><head><meta charset="utf-8"><title>Spillway surge report</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1040px}table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}</style></head>
<body><h1>Surge report</h1><p><code>${escape(reportLine(report))}</code></p>
<h2>Listeners over time, every room of the family</h2>${chart(report)}
<h2>Rooms</h2><table><tr><th>room</th><th>id</th><th>listeners</th><th>capacity</th></tr>${rows}</table>
<p>${report.joinsPerSecond.toFixed(0)} joins/s over HTTP. Waiting room: ${report.queuedOnJoin} told Queued on joining, at most ${report.queuePeak} waiting at once, ${report.admittedFromQueue} seated from it in turn, ${report.queued} still waiting (each with a position); ${report.left} left; ${report.refused} refused.</p></body></html>\n`,
  );
  return { json, html };
};
