import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/index.ts';
import { WrongExpectedRevisionError } from '../../src/eventstore/index.ts';
import { ConcurrencyConflictError, createSessionCommands } from '../../src/commands/index.ts';
import { openBench, sessionInput, types, type Bench } from '../scheduling/support.ts';

describe('the session command path', () => {
  let bench: Bench;
  beforeEach(() => {
    bench = openBench('session-commands');
  });
  afterEach(async () => {
    await bench.close();
  });

  it('records a command’s events in the session’s stream with who and when in the metadata', async () => {
    const input = sessionInput('s1', 'r1', 60_000, 1000);
    const result = await bench.sessions.send({ type: 'ScheduleSession', ...input });
    expect(types(result.events)).toEqual(['SessionScheduled']);
    const [recorded] = await bench.sessionEvents('s1');
    expect(recorded!.streamId).toBe('session-s1');
    expect(recorded!.metadata).toMatchObject({
      actor: 'producer',
      occurredAt: input.metadata.at,
      command: 'ScheduleSession',
    });
    expect(result.position).toBe(recorded!.position);
  });

  it('writes nothing for a refused command, and nothing for one that decides nothing', async () => {
    const input = sessionInput('s1', 'r1', 60_000, 1000);
    await expect(
      bench.sessions.send({ type: 'CancelSession', data: { sessionId: 's1' }, metadata: input.metadata }),
    ).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await bench.sessions.send({ type: 'ScheduleSession', ...input });
    const again = await bench.sessions.send({
      type: 'RescheduleSession',
      data: { sessionId: 's1', startsAt: input.data.startsAt },
      metadata: input.metadata,
    });
    expect(again.position).toBe(-1n);
    expect(types(await bench.sessionEvents('s1'))).toEqual(['SessionScheduled']);
  });

  it('decides again on fresh state when another writer appended first', async () => {
    const input = sessionInput('s1', 'r1', 60_000, 1000);
    await bench.sessions.send({ type: 'ScheduleSession', ...input });
    const later = (ms: number) => new Date(Date.now() + ms).toISOString();
    // Two writers on one store race; one loses the revision check, reloads, and decides on what the other wrote.
    const [moved, cancelled] = await Promise.allSettled([
      bench.sessions.send({
        type: 'RescheduleSession',
        data: { sessionId: 's1', startsAt: later(120_000) },
        metadata: input.metadata,
      }),
      createSessionCommands(bench.store).send({
        type: 'CancelSession',
        data: { sessionId: 's1' },
        metadata: input.metadata,
      }),
    ]);
    expect(cancelled.status).toBe('fulfilled');
    const log = types(await bench.sessionEvents('s1'));
    if (moved.status === 'fulfilled')
      expect(log).toEqual(['SessionScheduled', 'SessionRescheduled', 'SessionCancelled']);
    else {
      expect(moved.reason).toBeInstanceOf(DomainError);
      expect(moved.reason).toMatchObject({ code: 'SESSION_CANCELLED' });
      expect(log).toEqual(['SessionScheduled', 'SessionCancelled']);
    }
  });

  it('gives up with a CONFLICT after its retries when the stream keeps moving', async () => {
    const input = sessionInput('s1', 'r1', 60_000, 1000);
    await bench.sessions.send({ type: 'ScheduleSession', ...input });
    // A store whose every append loses the race: the first load's revision is always stale.
    const racing = {
      ...bench.store,
      appendToStream: async () => {
        throw new WrongExpectedRevisionError('session-s1', 0n, 1n);
      },
    };
    const sessions = createSessionCommands(racing, { maxRetries: 3 });
    const error: unknown = await sessions
      .send({ type: 'CancelSession', data: { sessionId: 's1' }, metadata: input.metadata })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyConflictError);
    expect(error).toMatchObject({ code: 'CONFLICT', attempts: 3 });
  });
});
