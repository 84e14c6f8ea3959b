import { afterEach, describe, expect, it } from 'vitest';
import { roomStreamId } from '../../src/domain/index.ts';
import { startApi, type TestApi } from '../support/apiServer.ts';
import { scheduleSession } from '../support/sessions.ts';

/**
 * Listeners who join a prewarmed session's room before its doors open, on a
 * running server (the in-process scheduler, the SQLite log), over HTTP: each
 * waits in the waiting room with a position, within SPILLWAY_QUEUE_CAPACITY;
 * roomAsOf and the analytics show them waiting; the open job's OpenDoors turn
 * seats them in the order they came (the room, then the warm overflow rooms);
 * the producer stays on stage throughout and the headliner, who came early
 * too, goes on stage from wherever the doors seated them.
 *
 * Rooms of 2 for an audience of 5: the room and two warm overflow rooms.
 */
const CAPACITY = 2;
const QUEUE = 6;
/** Long enough that a loaded machine makes the early joins well before the doors open. */
const LEAD_MS = 5000;

const JOIN = `mutation($id: ID!) { joinRoom(roomId: $id) { __typename ... on Queued { position } ... on Placement { room { id } } } }`;
const ROOM = `query($id: ID!) { room(id: $id) { doorsOpen queued speakers } }`;

describe('early arrivals at a prewarmed session', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  it('wait in line before the doors open and are seated in order when they do', async () => {
    api = await startApi(
      'early-arrivals',
      {},
      { SPILLWAY_SCHEDULER: 'timers', SPILLWAY_QUEUE_CAPACITY: String(QUEUE) },
    );
    const a = api;
    const producer = await a.token('producer', 'producer');
    const startsAt = new Date(Date.now() + LEAD_MS + 1500);
    const session = await scheduleSession(a, producer, {
      title: 'Early birds',
      startsAt,
      headlinerUserId: 'star',
      expectedAudience: 5,
      leadTimeMs: LEAD_MS,
      capacity: CAPACITY,
    });
    const { roomId } = session;
    await session.reached('prewarmed');

    const join = async (userId: string) => {
      const reply = await a.request<{ joinRoom: { __typename: string; position?: number } }>(JOIN, {
        token: await a.token(userId, 'listener'),
        variables: { id: roomId },
      });
      return reply.data?.joinRoom ?? reply.errors?.[0];
    };
    // The headliner comes early too, as a listener.
    for (const [i, user] of ['a1', 'a2', 'star', 'a3', 'a4'].entries())
      expect(await join(user)).toEqual({ __typename: 'Queued', position: i + 1 });
    expect(await join('a2')).toEqual({ __typename: 'Queued', position: 2 });
    await a.data(`mutation($id: ID!) { leaveQueue(roomId: $id) { id } }`, {
      token: await a.token('a3', 'listener'),
      variables: { id: roomId },
    });
    expect(await join('a5')).toEqual({ __typename: 'Queued', position: 5 });
    expect(await join('a6')).toEqual({ __typename: 'Queued', position: 6 });
    // Past the waiting room's limit: refused, with a sentence about the doors, and nothing written.
    const head = await a.head();
    const refused = (await join('a7')) as { message: string; extensions?: { code?: string } };
    expect(refused.extensions?.code).toBe('ROOM_FULL');
    expect(refused.message).toMatch(/has not opened its doors yet and its waiting room is full \(6 listeners wait/);
    expect(await a.head()).toBe(head);
    // A producer's view before the doors: the line, now and as of a moment, and in the analytics.
    await a.server.engine.readModels.catchUp();
    const before = await a.data<{ room: { doorsOpen: boolean; queued: number; speakers: string[] } }>(ROOM, {
      token: producer,
      variables: { id: roomId },
    });
    expect(before.room).toEqual({ doorsOpen: false, queued: 6, speakers: ['producer'] });
    const history = await a.data<{
      roomAsOf: { queued: number; listenerCount: number };
      roomAnalytics: { queued: number; queuedInAll: number; admittedFromQueue: number };
    }>(
      `query($id: ID!, $at: DateTime!) { roomAsOf(id: $id, at: $at) { queued listenerCount } roomAnalytics(id: $id) { queued queuedInAll admittedFromQueue } }`,
      { token: producer, variables: { id: roomId, at: new Date().toISOString() } },
    );
    expect(history).toEqual({
      roomAsOf: { queued: 6, listenerCount: 0 },
      roomAnalytics: { queued: 6, queuedInAll: 7, admittedFromQueue: 0 },
    });
    expect(Date.now(), 'the early joins were made before the doors opened').toBeLessThan(startsAt.getTime());

    await session.reached('opened');
    const { commands } = a.server.engine;
    const seats = Object.fromEntries(
      await Promise.all(
        ['a1', 'a2', 'star', 'a4', 'a5', 'a6'].map(
          async (user) => [user, (await commands.placementOf(roomId, user))?.roomId] as const,
        ),
      ),
    );
    expect(seats).toEqual({
      a1: roomId,
      a2: roomId,
      star: `${roomId}.overflow-1`,
      a4: `${roomId}.overflow-1`,
      a5: `${roomId}.overflow-2`,
      a6: `${roomId}.overflow-2`,
    });
    const events = await a.server.engine.store.readStream(roomStreamId(roomId));
    expect(
      events.filter((e) => e.type === 'ListenerAdmittedFromQueue').map((e) => (e.data as { userId: string }).userId),
    ).toEqual(['a1', 'a2', 'star', 'a4', 'a5', 'a6']);
    // The doors opened, then the headliner was announced: they go on stage from their seat.
    await a.data(`mutation($id: ID!) { markHeadlinerArrived(roomId: $id) { id } }`, {
      token: producer,
      variables: { id: roomId },
    });
    await a.server.engine.readModels.catchUp();
    const after = await a.data<{ room: { doorsOpen: boolean; queued: number; speakers: string[] } }>(ROOM, {
      token: producer,
      variables: { id: roomId },
    });
    expect(after.room).toEqual({ doorsOpen: true, queued: 0, speakers: ['producer', 'star'] });
    expect(await commands.placementOf(roomId, 'star')).toEqual({ roomId, role: 'speaker' });
    const analytics = await a.data<{ roomAnalytics: { queued: number; admittedFromQueue: number } }>(
      `query($id: ID!) { roomAnalytics(id: $id) { queued admittedFromQueue } }`,
      { token: producer, variables: { id: roomId } },
    );
    expect(analytics.roomAnalytics).toEqual({ queued: 0, admittedFromQueue: 6 });
  });
});
