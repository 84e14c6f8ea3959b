import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  openDocumentStore,
  querySchedule,
  scheduleProjection,
  type ScheduledSession,
} from '../../src/projections/index.ts';
import { applyBatch } from '../../src/projections/runner.ts';
import type { RecordedEvent } from '../../src/eventstore/index.ts';
import { openBench, type Bench } from './support.ts';

const T0 = Date.UTC(2026, 10, 28, 20, 0, 0);
const at = (minutes: number, actor = 'producer') => ({ actor, at: new Date(T0 + minutes * 60_000).toISOString() });
const startsAt = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** Four sessions: one opened, one cancelled, one prewarmed then rescheduled, one waiting. */
const recordSessions = async (bench: Bench): Promise<RecordedEvent[]> => {
  const schedule = (sessionId: string, minutes: number) =>
    bench.sessions.send({
      type: 'ScheduleSession',
      data: {
        sessionId,
        roomId: `${sessionId}-room`,
        title: sessionId,
        startsAt: startsAt(minutes),
        headlinerUserId: 'star',
        expectedAudience: 11_000,
        leadTimeMs: 10 * 60_000,
        capacity: 5000,
      },
      metadata: at(0),
    });
  await schedule('opened', 30);
  await schedule('cancelled', 40);
  await schedule('moved', 50);
  await schedule('waiting', 120);
  await bench.sessions.send({ type: 'PrewarmSession', data: { sessionId: 'opened' }, metadata: at(20, 'scheduler') });
  await bench.sessions.send({ type: 'OpenSession', data: { sessionId: 'opened' }, metadata: at(30, 'scheduler') });
  await bench.sessions.send({
    type: 'CancelSession',
    data: { sessionId: 'cancelled', reason: 'rain' },
    metadata: at(5),
  });
  await bench.sessions.send({ type: 'PrewarmSession', data: { sessionId: 'moved' }, metadata: at(40, 'scheduler') });
  await bench.sessions.send({
    type: 'RescheduleSession',
    data: { sessionId: 'moved', startsAt: startsAt(90) },
    metadata: at(45),
  });
  return bench.store.readAll();
};

describe('the schedule read model', () => {
  let bench: Bench;
  beforeEach(() => {
    bench = openBench('schedule');
  });
  afterEach(async () => {
    await bench.close();
  });

  it('applied twice gives the same documents as applied once', async () => {
    const events = await recordSessions(bench);
    const once = openDocumentStore(':memory:');
    const twice = openDocumentStore(':memory:');
    applyBatch(once, { projection: scheduleProjection, generation: 1n, checkpoint: -1n }, events);
    // Every event twice in a row, then the whole log again from a lost checkpoint.
    applyBatch(
      twice,
      { projection: scheduleProjection, generation: 1n, checkpoint: -1n },
      events.flatMap((e) => [e, e]),
    );
    applyBatch(twice, { projection: scheduleProjection, generation: 1n, checkpoint: -1n }, events);
    expect(twice.list('schedule', 1n)).toEqual(once.list('schedule', 1n));

    // And evolve itself, folded with each event twice, lands where it lands folding them once.
    const fold = (list: readonly RecordedEvent[]) => {
      const docs = new Map<string, ScheduledSession>();
      for (const event of list) {
        for (const [key, doc] of scheduleProjection.evolve(event, (k) => docs.get(k))) if (doc) docs.set(key, doc);
      }
      return docs;
    };
    expect(fold(events.flatMap((e) => [e, e]))).toEqual(fold(events));
    once.close();
    twice.close();
  });

  it('holds each session’s state, times and headliner, and lists upcoming and pending sessions by start', async () => {
    const events = await recordSessions(bench);
    const documents = openDocumentStore(':memory:');
    applyBatch(documents, { projection: scheduleProjection, generation: 1n, checkpoint: -1n }, events);
    documents.swap('schedule', undefined, 1n, scheduleProjection.version);
    const reader = {
      read: <Doc>(projection: string, key: string) => documents.read(projection, 1n, key)?.doc as Doc | undefined,
      list: <Doc>(projection: string, after?: string, before?: string, limit?: number) =>
        documents.list(projection, 1n, after, before, limit) as Array<{ key: string; doc: Doc }>,
    };
    const schedule = querySchedule(reader);

    expect(schedule.session('moved')).toEqual({
      sessionId: 'moved',
      roomId: 'moved-room',
      title: 'moved',
      status: 'scheduled',
      startsAt: startsAt(90),
      leadTimeMs: 600_000,
      prewarmAt: startsAt(80),
      headlinerUserId: 'star',
      expectedAudience: 11_000,
      capacity: 5000,
      scheduledBy: 'producer',
      overflowRoomsWarmed: null,
      drainAfterMs: null,
      warmUpEnded: false,
      cancelReason: null,
      updatedAt: at(45).at,
    });
    expect(schedule.session('opened')).toMatchObject({ status: 'opened', overflowRoomsWarmed: 2 });
    expect(schedule.session('cancelled')).toMatchObject({ status: 'cancelled', cancelReason: 'rain' });

    expect(schedule.sessions().map((s) => s.sessionId)).toEqual(['opened', 'cancelled', 'moved', 'waiting']);
    expect(schedule.pending().map((s) => s.sessionId)).toEqual(['moved', 'waiting']);
    const now = new Date(T0 + 100 * 60_000);
    expect(schedule.sessions({ upcoming: true, now }).map((s) => s.sessionId)).toEqual(['waiting']);
    expect(schedule.sessions({ upcoming: true, now: new Date(T0) }).map((s) => s.sessionId)).toEqual([
      'moved',
      'waiting',
    ]);
    documents.close();
  });
});
