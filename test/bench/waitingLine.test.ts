// The measuring parts of the surge and waiting-room benches, against a real
// server over HTTP: the load generator's per-request records (send time,
// answer, position), and what is read back from the family's stream (queue
// order, admissions, seats), from which time to a seat and admission order
// are judged. A check that could not find disorder would prove nothing, so
// each is also shown one that it must refuse.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from '../../bench/joinLoad.ts';
import {
  admissionDisorder,
  positionDisagreement,
  readWaitingLine,
  seatTimes,
  type WaitingLine,
} from '../../bench/waitingLine.ts';
import { startApi, TEST_SECRET, type TestApi } from '../support/apiServer.ts';

describe('the benches’ waiting-line measurements', () => {
  let api: TestApi;
  const roomId = `line-${randomUUID().slice(0, 8)}`;
  const users = `u-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    api = await startApi('bench-waiting-line');
    await api.server.engine.commands.send({
      type: 'OpenRoom',
      data: { roomId, title: 'Line', capacity: 3, maxOverflowRooms: 0, queueCapacity: 10 },
      metadata: { actor: 'producer', at: new Date().toISOString() },
    });
  });
  afterAll(() => api.stop());

  const base = () => ({ url: api.url, roomId, secret: TEST_SECRET, send: 'documentId' as const, users });

  it('records every join’s answer, times 3 placed and 5 queued to their seats, and finds admission in queue order', async () => {
    const joins = await load({ ...base(), joins: 8, connections: 4, record: true });
    expect(joins.failed).toBe(0);
    const records = joins.requests!;
    expect(records.map((r) => r.user).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `${users}-${i}`).sort());
    expect(records.filter((r) => r.typename === 'Placement')).toHaveLength(3);
    const queued = records.filter((r) => r.typename === 'Queued');
    expect(queued.map((r) => r.position).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const r of records) expect(r.ms).toBeGreaterThan(0);

    const before = await readWaitingLine(api.server.engine.store, roomId);
    expect(before.queued).toHaveLength(5);
    expect(before.admitted).toEqual([]);
    expect(positionDisagreement(before, records)).toBeUndefined();
    expect(seatTimes(records, before)).toMatchObject({ placed: 3, queued: 5, unseated: 5, refused: 0 });

    // Two of the placed leave: the first two in line are seated, in their order.
    const placed = records.filter((r) => r.typename === 'Placement').map((r) => Number(r.user.split('-').pop()));
    const leaving = placed.slice(0, 2);
    for (const i of leaving) {
      const token = await api.token(`${users}-${i}`, 'listener');
      await api.data('mutation($roomId: ID!) { leaveRoom(roomId: $roomId) { id } }', { token, variables: { roomId } });
    }
    const after = await readWaitingLine(api.server.engine.store, roomId);
    expect(after.admitted.map((a) => a.user)).toEqual(before.queued.slice(0, 2));
    expect([...after.seatedIn]).toEqual(before.queued.slice(0, 2).map((u) => [u, roomId]));
    expect(admissionDisorder(after)).toBeUndefined();
    const seats = seatTimes(records, after);
    expect(seats).toMatchObject({ placed: 3, queued: 5, unseated: 3 });
    expect(seats.ms).toHaveLength(5);
    // A queued listener's seat came after its answer: its time to a seat is at least its HTTP latency.
    for (const { user, at } of after.admitted) {
      const r = records.find((x) => x.user === user)!;
      expect(at - r.sentAt).toBeGreaterThanOrEqual(Math.floor(r.ms) - 1);
    }
  });

  it('names a disorder and a wrong position when shown one', () => {
    const line: WaitingLine = {
      queued: ['a', 'b', 'c'],
      admitted: [
        { user: 'a', at: 1 },
        { user: 'c', at: 2 },
      ],
      seatedIn: new Map(),
      leftQueue: 0,
    };
    expect(admissionDisorder(line)).toBe('admission 2 was c, but position 2 in the queue was b');
    expect(positionDisagreement(line, [{ user: 'b', sentAt: 0, ms: 1, typename: 'Queued', position: 3 }])).toBe(
      'b was told position 3, the log queued them 2',
    );
  });

  it('sends leaves for the same users with `document`, and records nothing unless asked', async () => {
    const leaves = await load({ ...base(), joins: 8, connections: 2, document: 'LeaveRoom' });
    expect(leaves.requests).toBeUndefined();
    // The two who left already are refused; the seated leave their seats, the queued the queue.
    expect(leaves.failed).toBe(2);
    await api.server.engine.readModels.catchUp();
    const room = api.server.engine.readModels.room(roomId);
    expect(room?.listenerCount).toBe(0);
    expect(room?.queued).toBe(0);
  });
});
