import { afterEach, describe, expect, it } from 'vitest';
import { roomStreamId } from '../../src/domain/index.ts';
import { startApi, type TestApi } from '../support/apiServer.ts';
import { eventually } from '../scheduling/support.ts';
import { scheduleSession } from '../support/sessions.ts';

/**
 * A prewarmed family whose audience is half the one expected, on a running
 * server (in-process scheduler, SQLite log), joins over HTTP: the warm rooms
 * fill in order (the room, then overflow-1), so the later warm rooms stay
 * empty, and SPILLWAY_WARM_DRAIN_MS after the doors open the drain closes
 * them and keeps the one with listeners.
 *
 * Rooms of 2 warmed for 8: the room and three overflow rooms. Four come.
 */
const CAPACITY = 2;
const EXPECTED = 8;
/** Long enough that the four joins are in before the drain, even on a loaded machine. */
const DRAIN_MS = 4000;
const LEAD_MS = 3000;

interface RoomView {
  room: { warm: boolean; listenerCount: number; overflowRooms: Array<{ id: string; listenerCount: number }> } | null;
}
const ROOM = `query($id: ID!) { room(id: $id) { warm listenerCount overflowRooms { id listenerCount } } }`;

describe('warm rooms fill in order', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  it('leaves the warm rooms half an audience never reached empty, and the drain closes them', async () => {
    api = await startApi('warm-fill', {}, { SPILLWAY_SCHEDULER: 'timers', SPILLWAY_WARM_DRAIN_MS: String(DRAIN_MS) });
    const a = api;
    const producer = await a.token('producer', 'producer');
    const session = await scheduleSession(a, producer, {
      title: 'Half a crowd',
      startsAt: new Date(Date.now() + LEAD_MS + 1000),
      headlinerUserId: 'star',
      expectedAudience: EXPECTED,
      leadTimeMs: LEAD_MS,
      capacity: CAPACITY,
    });
    const { roomId } = session;
    await session.reached('opened');
    const warm = await a.data<RoomView>(ROOM, { token: producer, variables: { id: roomId } });
    expect(warm.room?.overflowRooms.map((o) => o.id)).toEqual([1, 2, 3].map((n) => `${roomId}.overflow-${n}`));

    for (const user of ['l1', 'l2', 'l3', 'l4'])
      await a.data(`mutation($id: ID!) { joinRoom(roomId: $id) { __typename } }`, {
        token: await a.token(user, 'listener'),
        variables: { id: roomId },
      });
    await a.server.engine.readModels.catchUp();
    const filled = await a.data<RoomView>(ROOM, { token: producer, variables: { id: roomId } });
    expect(filled.room).toEqual({
      warm: true,
      listenerCount: 2,
      overflowRooms: [
        { id: `${roomId}.overflow-1`, listenerCount: 2 },
        { id: `${roomId}.overflow-2`, listenerCount: 0 },
        { id: `${roomId}.overflow-3`, listenerCount: 0 },
      ],
    });

    const cooled = await eventually('the warm-up to end', async () => {
      const { room } = await a.data<RoomView>(ROOM, { token: producer, variables: { id: roomId } });
      return room && !room.warm ? room : undefined;
    });
    expect(cooled).toEqual({
      warm: false,
      listenerCount: 2,
      overflowRooms: [{ id: `${roomId}.overflow-1`, listenerCount: 2 }],
    });
    // The log says so: the empty warm rooms were drained, and their own streams ended.
    for (const n of [2, 3]) {
      const stream = await a.server.engine.store.readStream(roomStreamId(`${roomId}.overflow-${n}`));
      expect(stream.at(-1)?.data).toMatchObject({ reason: 'drained' });
    }
    const kept = await a.server.engine.store.readStream(roomStreamId(`${roomId}.overflow-1`));
    expect(kept.map((e) => e.type)).not.toContain('RoomEnded');
  });
});
