import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoomCommands } from '../../src/commands/index.ts';
import { createSqliteEventStore, createSqliteSnapshotStore } from '../../src/eventstore/index.ts';
import { runSpillway } from '../support/runSpillway.ts';
import { makeTempDir } from '../support/tempDir.ts';

const t0 = Date.UTC(2026, 10, 28, 21, 0, 0);
const at = (s: number) => new Date(t0 + s * 1000).toISOString();

describe('spillway replay, for analysts', () => {
  const dir = makeTempDir('replay');
  afterAll(() => dir.remove());

  beforeAll(async () => {
    const file = join(dir.path, 'spillway.db');
    const store = createSqliteEventStore(file);
    const snapshots = createSqliteSnapshotStore(file);
    const commands = createRoomCommands(store, snapshots);
    await commands.send({
      type: 'OpenRoom',
      data: { roomId: 'jazz', title: 'Jazz, "live"', capacity: 3 },
      metadata: { actor: 'mod', at: at(0) },
    });
    for (let i = 0; i < 5; i += 1) {
      await commands.send({ type: 'JoinRoom', data: { roomId: 'jazz' }, metadata: { actor: `u${i}`, at: at(10 + i) } });
    }
    await commands.send({ type: 'LeaveRoom', data: { roomId: 'jazz' }, metadata: { actor: 'u0', at: at(70) } });
    await commands.close();
    await snapshots.close();
    await store.close();
  });

  it('rebuilds every read model from zero and says how fast', async () => {
    const { code, stdout, stderr } = await runSpillway(['replay', '--data', dir.path]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(
      /^replay: rebuilt rooms, capacityPlan, analytics, schedule, mediaCluster, waitingRoom from \d+ events in \d+\.\ds \(\d+ events\/s\)$/m,
    );
  });

  it('exports raw events as JSONL and as CSV, up to a time', async () => {
    const jsonl = await runSpillway(['replay', '--data', dir.path, '--events', 'jazz']);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const events = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; revision: string; data: unknown });
    expect(events.map((e) => e.type)).toEqual([
      'RoomOpened',
      'ListenerAdmitted',
      'ListenerAdmitted',
      'ListenerAdmitted',
      'RoomBecameFull',
      'OverflowRoomSpawned',
      'ListenerRedirectedToOverflow',
      'ListenerRedirectedToOverflow',
      'ListenerLeft',
      'RoomHadSeatsAgain',
    ]);
    expect(events[0]).toMatchObject({ revision: '0', data: { title: 'Jazz, "live"' } });

    const out = join(dir.path, 'events.csv');
    const csv = await runSpillway([
      'replay',
      '--data',
      dir.path,
      '--events',
      'jazz',
      '--format',
      'csv',
      '--until',
      at(12),
      '--out',
      out,
    ]);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('position,stream,revision,recordedAt,occurredAt,type,actor,data');
    // Up to and including 21:00:12, when u2 took the last seat and the room became full.
    expect(lines).toHaveLength(1 + 5);
    expect(lines[5]).toMatch(/,RoomBecameFull,u2,/);
    expect(lines[1]).toContain('"{""roomId"":""jazz"",""title"":""Jazz, \\""live\\""""');
    expect(lines[4]).toMatch(/,ListenerAdmitted,u2,/);
  });

  it('exports a room’s per-second analytics timeline as CSV', async () => {
    const { code, stdout, stderr } = await runSpillway(['replay', '--data', dir.path, '--analytics', 'jazz']);
    expect(code, stderr).toBe(0);
    const rows = stdout.trim().split('\n');
    expect(rows[0]).toBe('second,listeners,familyListeners,joins,leaves,queued,admittedFromQueue');
    expect(rows).toContain(`${at(12)},3,3,1,0,0,0`);
    expect(rows.at(-1)).toBe(`${at(70)},2,4,0,1,0,0`);
    const until = await runSpillway(['replay', '--data', dir.path, '--analytics', 'jazz', '--until', at(12)]);
    expect(until.stdout.trim().split('\n').at(-1)).toBe(`${at(12)},3,3,1,0,0,0`);
  });

  it.each([
    [['--events', 'nope'], /Room "nope" has no events/],
    [['--analytics', 'nope'], /Room "nope" has no events/],
    [['--events', 'jazz', '--format', 'xml'], /--format must be jsonl or csv/],
    [['--analytics', 'jazz', '--format', 'jsonl'], /--format must be csv for --analytics/],
    [['--events', 'jazz', '--until', 'yesterday'], /--until must be an ISO 8601 time/],
    [['--events', 'jazz', '--analytics', 'jazz'], /Choose one of/],
    [['--until', '2026-01-01T00:00:00Z'], /go with --events ROOM or --analytics ROOM/],
  ])('refuses %j with one clear line and exit code 2', async (args, message) => {
    const { code, stderr, stdout } = await runSpillway(['replay', '--data', dir.path, ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('refuses a data folder with no event store, and creates nothing there', async () => {
    const empty = join(dir.path, 'nothing-here');
    const { code, stderr } = await runSpillway(['replay', '--data', empty]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/No event store at .*nothing-here\/spillway.db/);
    expect(existsSync(empty)).toBe(false);
  });
});
