import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentRunner } from './scheduleRunner.ts';
import type { SessionJobHandlers, SessionScheduler } from '../../src/scheduling/index.ts';
import { eventually, occurredMs, openBench, sessionInput, types, WARM_FAMILY, type Bench } from './support.ts';

export interface SchedulerFactory {
  /** A scheduler running `handlers`' jobs, retrying `attempts` times from `backoffMs`. */
  create(handlers: SessionJobHandlers, options: { attempts: number; backoffMs: number }): Promise<SessionScheduler>;
  /** The jobs' store forgets everything, as a Redis FLUSHALL or a restarted process would. */
  loseEverything(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * What every SessionScheduler must do, run by each adapter's spec (the
 * event-store contract's pattern): the same sessions, the same assertions on
 * the log, whether timers live in Redis or in this process.
 */
export const schedulerContract = (label: string, makeFactory: () => Promise<SchedulerFactory>): void => {
  describe(`${label}: the SessionScheduler contract`, () => {
    let bench: Bench;
    let factory: SchedulerFactory;
    let scheduler: SessionScheduler;

    beforeEach(async () => {
      bench = openBench('scheduling');
      factory = await makeFactory();
      scheduler = await factory.create(bench.handlers, { attempts: 3, backoffMs: 100 });
    });

    afterEach(async () => {
      await scheduler.close();
      await factory.dispose();
      await bench.close();
    });

    it('shapes the family at startsAt − leadTime with its doors closed, then opens the doors and announces the headliner at startsAt', async () => {
      const input = sessionInput('happy', 'stage', 1200, 600);
      await bench.service(scheduler).scheduleSession(input.data, input.metadata);

      const events = await eventually('the session to open', async () => {
        const all = await bench.sessionEvents('happy');
        return all.some((e) => e.type === 'SessionOpened') ? all : undefined;
      });
      expect(types(events)).toEqual(['SessionScheduled', 'SessionPrewarmed', 'SessionOpened']);
      const [, prewarmed, opened] = events;
      expect(prewarmed!.data).toEqual({ sessionId: 'happy', roomId: 'stage', overflowRoomsWarmed: 2 });
      const startsAt = Date.parse(input.data.startsAt);
      expect(occurredMs(prewarmed!)).toBeGreaterThanOrEqual(startsAt - 600);
      expect(occurredMs(opened!)).toBeGreaterThanOrEqual(startsAt);
      expect(bench.warmed).toEqual([
        {
          roomId: 'stage',
          expectedAudience: 12_000,
          roomWasLive: true,
          doorsOpen: false,
          at: expect.any(Number) as number,
        },
      ]);

      const room = await bench.roomEvents('stage');
      expect(types(room)).toEqual([...WARM_FAMILY, 'RoomDoorsOpened', 'HeadlinerAnnounced']);
      expect(room[0]!.data).toMatchObject({ title: 'Session happy', capacity: 5000, by: 'producer', prewarmed: true });
      expect(room.slice(1, 3).map((e) => e.data)).toMatchObject([
        { overflowRoomId: 'stage.overflow-1', prewarmed: true, expectedListeners: 5000 },
        { overflowRoomId: 'stage.overflow-2', prewarmed: true, expectedListeners: 2000 },
      ]);
      expect(occurredMs((await bench.store.readStream('room-stage'))[3]!)).toBeGreaterThanOrEqual(startsAt);
      expect(room[4]!.data).toMatchObject({ userId: 'star', expectedAudience: 12_000, by: 'producer' });
    });

    it('ends the warm-up drainAfterMs after the doors open: the warm rooms nobody sat in drain and close', async () => {
      const input = sessionInput('drained', 'drained-room', 1200, 600);
      await bench.service(scheduler, 400).scheduleSession(input.data, input.metadata);
      const events = await eventually('the warm-up to end', async () => {
        const all = await bench.sessionEvents('drained');
        return all.some((e) => e.type === 'SessionWarmUpEnded') ? all : undefined;
      });
      expect(types(events)).toEqual(['SessionScheduled', 'SessionPrewarmed', 'SessionOpened', 'SessionWarmUpEnded']);
      expect(occurredMs(events[3]!)).toBeGreaterThanOrEqual(Date.parse(input.data.startsAt) + 400);
      expect(types(await bench.roomEvents('drained-room'))).toEqual([
        ...WARM_FAMILY,
        'RoomDoorsOpened',
        'HeadlinerAnnounced',
        'OverflowRoomDrained',
        'OverflowRoomDrained',
        'WarmUpEnded',
      ]);
      expect(types(await bench.roomEvents('drained-room.overflow-2'))).toEqual(['RoomOpened', 'RoomEnded']);
      expect(await bench.handlers.drain('drained')).toMatchObject({ outcome: 'skipped' });
    });

    it('ends a prewarmed room whose session is cancelled before its doors open', async () => {
      const input = sessionInput('called-off', 'called-off-room', 3000, 2900);
      const service = bench.service(scheduler);
      await service.scheduleSession(input.data, input.metadata);
      await eventually('the prewarm', async () =>
        (await bench.sessionEvents('called-off')).find((e) => e.type === 'SessionPrewarmed'),
      );
      await service.cancelSession({ sessionId: 'called-off' }, { actor: 'producer', at: new Date().toISOString() });
      expect(types(await bench.roomEvents('called-off-room'))).toEqual([...WARM_FAMILY, 'RoomEnded']);
      expect(types(await bench.roomEvents('called-off-room.overflow-1'))).toEqual(['RoomOpened', 'RoomEnded']);
    });

    it('moves the jobs when a session is rescheduled and drops them when it is cancelled: nothing happens at the old time', async () => {
      const service = bench.service(scheduler);
      const moved = sessionInput('moved', 'moved-room', 1000, 300);
      const dropped = sessionInput('dropped', 'dropped-room', 1000, 300);
      await service.scheduleSession(moved.data, moved.metadata);
      await service.scheduleSession(dropped.data, dropped.metadata);
      const later = new Date(Date.now() + 2500).toISOString();
      await service.rescheduleSession(
        { sessionId: 'moved', startsAt: later },
        { actor: 'producer', at: new Date().toISOString() },
      );
      await service.cancelSession(
        { sessionId: 'dropped', reason: 'headliner ill' },
        { actor: 'producer', at: new Date().toISOString() },
      );

      await sleep(1700);
      expect(types(await bench.sessionEvents('moved'))).toEqual(['SessionScheduled', 'SessionRescheduled']);
      expect(types(await bench.sessionEvents('dropped'))).toEqual(['SessionScheduled', 'SessionCancelled']);
      expect(await bench.roomEvents('moved-room')).toEqual([]);
      expect(bench.warmed).toEqual([]);

      const opened = await eventually('the moved session to open', async () =>
        (await bench.sessionEvents('moved')).find((e) => e.type === 'SessionOpened'),
      );
      expect(occurredMs(opened)).toBeGreaterThanOrEqual(Date.parse(later));
      await sleep(300);
      expect(types(await bench.sessionEvents('dropped'))).toEqual(['SessionScheduled', 'SessionCancelled']);
      expect(await bench.roomEvents('dropped-room')).toEqual([]);
    });

    it('changes nothing when a session is scheduled twice or a job is delivered again', async () => {
      const input = sessionInput('twice', 'twice-room', 800, 300);
      await bench.service(scheduler).scheduleSession(input.data, input.metadata);
      const { state } = await bench.sessions.load('twice');
      await scheduler.schedule({ sessionId: 'twice', startsAt: state.context.startsAt, leadTimeMs: 300 });
      await scheduler.schedule({ sessionId: 'twice', startsAt: state.context.startsAt, leadTimeMs: 300 });

      await eventually('the session to open', async () =>
        (await bench.sessionEvents('twice')).find((e) => e.type === 'SessionOpened'),
      );
      await sleep(300);
      const before = { session: await bench.sessionEvents('twice'), room: await bench.roomEvents('twice-room') };
      expect(types(before.session)).toEqual(['SessionScheduled', 'SessionPrewarmed', 'SessionOpened']);
      expect(types(before.room)).toEqual([...WARM_FAMILY, 'RoomDoorsOpened', 'HeadlinerAnnounced']);

      expect(await bench.handlers.prewarm('twice')).toMatchObject({ outcome: 'skipped' });
      expect(await bench.handlers.open('twice')).toMatchObject({ outcome: 'skipped' });
      expect(await bench.sessionEvents('twice')).toEqual(before.session);
      expect(await bench.roomEvents('twice-room')).toEqual(before.room);
      expect(bench.warmed).toHaveLength(1);
    });

    it('retries a failing job with backoff, then shows it in failedJobs with its attempts and last error', async () => {
      bench.warmFails = new Error('media plane unreachable');
      const input = sessionInput('failing', 'failing-room', 3000, 2900);
      await bench.service(scheduler).scheduleSession(input.data, input.metadata);

      const failed = await eventually('the prewarm job to fail for good', async () => {
        const jobs = await scheduler.failedJobs();
        return jobs.length > 0 ? jobs : undefined;
      });
      expect(failed).toEqual([
        {
          jobId: 'session-failing-prewarm',
          sessionId: 'failing',
          kind: 'prewarm',
          attempts: 3,
          lastError: 'media plane unreachable',
          failedAt: expect.any(String) as string,
        },
      ]);
      expect(types(await bench.sessionEvents('failing'))).toEqual(['SessionScheduled']);
      // The open job is apart: it still opens the room on time, unwarmed.
      await eventually('the unwarmed session to open', async () =>
        (await bench.sessionEvents('failing')).find((e) => e.type === 'SessionOpened'),
      );
    });

    it('after losing every job and restarting, resync from the schedule read model brings them all back', async () => {
      const service = bench.service(scheduler);
      const ids = ['heal-a', 'heal-b', 'heal-c'];
      for (const id of ids) {
        const input = sessionInput(id, `${id}-room`, 2000, 500);
        await service.scheduleSession(input.data, input.metadata);
      }
      const cancelled = sessionInput('heal-cancelled', 'heal-cancelled-room', 2000, 500);
      await service.scheduleSession(cancelled.data, cancelled.metadata);
      await service.cancelSession({ sessionId: 'heal-cancelled' }, cancelled.metadata);

      await scheduler.close();
      await factory.loseEverything();

      const schedule = createDocumentRunner(bench.store);
      try {
        await schedule.caughtUp();
        const pending = schedule.queries.pending();
        expect(pending.map((s) => s.sessionId)).toEqual(ids);
        scheduler = await factory.create(bench.handlers, { attempts: 3, backoffMs: 100 });
        await scheduler.resync(pending);
      } finally {
        await schedule.stop();
      }

      for (const id of ids) {
        await eventually(`${id} to open`, async () =>
          (await bench.sessionEvents(id)).find((e) => e.type === 'SessionOpened'),
        );
        expect(types(await bench.roomEvents(`${id}-room`))).toEqual([
          ...WARM_FAMILY,
          'RoomDoorsOpened',
          'HeadlinerAnnounced',
        ]);
      }
      expect(await bench.roomEvents('heal-cancelled-room')).toEqual([]);
    });
  });
};
