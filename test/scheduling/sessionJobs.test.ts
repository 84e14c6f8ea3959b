import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/index.ts';
import { createSessionJobHandlers } from '../../src/scheduling/index.ts';
import { openBench, sessionInput, types, type Bench } from './support.ts';

/** The job handlers alone, with a clock the test sets: what a delivery does, whenever it comes. */
describe('the session job handlers', () => {
  let bench: Bench;
  let now: number;
  let handlers: ReturnType<typeof createSessionJobHandlers>;
  const input = sessionInput('s1', 'r1', 60_000, 10_000);
  const startsAt = Date.parse(input.data.startsAt);

  beforeEach(async () => {
    bench = openBench('session-jobs');
    now = Date.parse(input.metadata.at);
    handlers = createSessionJobHandlers({
      sessions: bench.sessions,
      rooms: bench.rooms,
      warm: async (roomId, expectedAudience) => {
        bench.warmed.push({ roomId, expectedAudience, roomWasLive: true, doorsOpen: false, at: now });
      },
      now: () => new Date(now),
    });
    await bench.sessions.send({ type: 'ScheduleSession', ...input });
  });
  afterEach(async () => {
    await bench.close();
  });

  it('says when a step is due instead of doing it early', async () => {
    expect(await handlers.prewarm('s1')).toEqual({ outcome: 'notDue', dueAt: startsAt - 10_000 });
    now = startsAt - 10_000;
    expect(await handlers.open('s1')).toEqual({ outcome: 'notDue', dueAt: startsAt });
    expect(types(await bench.sessionEvents('s1'))).toEqual(['SessionScheduled']);
    expect(bench.warmed).toEqual([]);
  });

  it('prewarms once and opens once, however often each is delivered', async () => {
    now = startsAt - 10_000;
    expect(await handlers.prewarm('s1')).toMatchObject({ outcome: 'done' });
    expect(await handlers.prewarm('s1')).toMatchObject({ outcome: 'skipped' });
    expect(types(await bench.roomEvents('r1'))).toEqual(['RoomOpened', 'OverflowRoomSpawned', 'OverflowRoomSpawned']);
    now = startsAt;
    expect(await handlers.open('s1')).toMatchObject({ outcome: 'done' });
    expect(await handlers.open('s1')).toMatchObject({ outcome: 'skipped' });
    expect(await handlers.prewarm('s1')).toMatchObject({ outcome: 'skipped' });
    expect(types(await bench.sessionEvents('s1'))).toEqual(['SessionScheduled', 'SessionPrewarmed', 'SessionOpened']);
    expect(types(await bench.roomEvents('r1'))).toEqual([
      'RoomOpened',
      'OverflowRoomSpawned',
      'OverflowRoomSpawned',
      'RoomDoorsOpened',
      'HeadlinerAnnounced',
    ]);
    expect(bench.warmed).toHaveLength(1);
  });

  it('finishes an open that stopped half-way: a room already live with its headliner is left as it is', async () => {
    now = startsAt;
    await bench.rooms.send({
      type: 'OpenRoom',
      data: { roomId: 'r1', title: 'Session s1' },
      metadata: { actor: 'producer', at: input.data.startsAt },
    });
    await bench.rooms.send({
      type: 'AnnounceHeadliner',
      data: { roomId: 'r1', userId: 'star', expectedAudience: 12_000 },
      metadata: { actor: 'producer', at: input.data.startsAt },
    });
    expect(await handlers.open('s1')).toMatchObject({ outcome: 'done' });
    expect(types(await bench.roomEvents('r1'))).toEqual(['RoomOpened', 'HeadlinerAnnounced']);
    expect(types(await bench.sessionEvents('s1'))).toEqual(['SessionScheduled', 'SessionOpened']);
  });

  it('skips the steps of a cancelled session and fails loudly for an unknown one', async () => {
    await bench.sessions.send({ type: 'CancelSession', data: { sessionId: 's1' }, metadata: input.metadata });
    now = startsAt;
    expect(await handlers.prewarm('s1')).toEqual({ outcome: 'skipped', reason: 'session s1 was cancelled' });
    expect(await handlers.open('s1')).toEqual({ outcome: 'skipped', reason: 'session s1 was cancelled' });
    expect(await bench.roomEvents('r1')).toEqual([]);
    const error: unknown = await handlers.open('nobody').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });
});
