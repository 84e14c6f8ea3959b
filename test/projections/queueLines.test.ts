// The waiting room's positions as the read models serve them: ranks in an
// in-memory line per family that follows every committed batch, is loaded
// from the documents by a process that starts with people already waiting,
// and is dropped when a rebuilt generation is swapped in. Each standing is
// checked against the domain's own queue, replayed from the log.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { positionOf, type RoomCommand } from '../../src/domain/index.ts';
import { createReadModels, type ReadModels } from '../../src/projections/index.ts';
import { openWorkbench, type Workbench } from './support.ts';

const at = () => new Date().toISOString();
const as = (actor: string) => ({ actor, at: at() });

describe('waiting room lines in the read models', () => {
  const benches: Workbench[] = [];
  const models: ReadModels[] = [];
  afterEach(async () => {
    for (const m of models.splice(0)) await m.stop();
    for (const bench of benches.splice(0)) await bench.close();
  });
  const open = (bench: Workbench, file = 'read.db'): ReadModels => {
    const readModels = createReadModels({ store: bench.store, path: join(bench.dir, file) });
    readModels.start();
    models.push(readModels);
    return readModels;
  };
  const send = async (bench: Workbench, readModels: ReadModels, command: RoomCommand) => {
    const result = await bench.commands.send(command);
    await readModels.waitFor(result.position);
    return result;
  };
  /** What the log's own queue says: the positions the domain replays, for everyone it says waits. */
  const domainPositions = async (bench: Workbench, roomId: string) => {
    const room = await bench.commands.load(roomId);
    const waiting = room.state.snapshot.context.waiting;
    return Object.fromEntries([...waiting.tickets.keys()].map((u) => [u, positionOf(waiting, u)]));
  };
  const served = (readModels: ReadModels, roomId: string, users: readonly string[]) =>
    Object.fromEntries(
      users.flatMap((u) => {
        const s = readModels.queueStanding(roomId, u);
        return s.status === 'waiting' ? [[u, s.position]] : [];
      }),
    );

  it('follows joins, leaves from the middle and admissions, after a restart and after a rebuild', async () => {
    const bench = openWorkbench('queue-lines');
    benches.push(bench);
    let readModels = open(bench);
    const roomId = 'lines';
    await send(bench, readModels, {
      type: 'OpenRoom',
      data: { roomId, title: 'Lines', capacity: 2, maxOverflowRooms: 0 },
      metadata: as('host'),
    });
    const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
    for (const u of users) await send(bench, readModels, { type: 'JoinRoom', data: { roomId }, metadata: as(u) });
    // u0 and u1 sit; u2..u11 wait, 1..10.
    expect(readModels.queueStanding(roomId, 'u2')).toEqual({ status: 'waiting', position: 1, waiting: 10 });
    expect(readModels.queueStanding(roomId, 'u11')).toEqual({ status: 'waiting', position: 10, waiting: 10 });
    await send(bench, readModels, { type: 'LeaveQueue', data: { roomId }, metadata: as('u5') });
    await send(bench, readModels, { type: 'LeaveRoom', data: { roomId }, metadata: as('u0') }); // seats u2
    expect(readModels.queueStanding(roomId, 'u2').status).toBe('admitted');
    expect(readModels.queueStanding(roomId, 'u5').status).toBe('none');
    expect(served(readModels, roomId, users)).toEqual(await domainPositions(bench, roomId));
    expect(readModels.queueStanding(roomId, 'u11')).toEqual({ status: 'waiting', position: 8, waiting: 8 });

    // A process that starts with people waiting loads the line from the documents, then follows.
    await readModels.stop();
    models.splice(models.indexOf(readModels), 1);
    readModels = open(bench);
    await readModels.catchUp();
    expect(served(readModels, roomId, users)).toEqual(await domainPositions(bench, roomId));
    await send(bench, readModels, { type: 'LeaveQueue', data: { roomId }, metadata: as('u3') });
    await send(bench, readModels, { type: 'JoinRoom', data: { roomId }, metadata: as('late') });
    await send(bench, readModels, { type: 'JoinRoom', data: { roomId }, metadata: as('u5') }); // back, at the end
    const now = await domainPositions(bench, roomId);
    expect(served(readModels, roomId, [...users, 'late'])).toEqual(now);
    expect(now).toMatchObject({ u4: 1, late: 8, u5: 9 });

    // A rebuilt generation swapped in: the line is read again from it.
    await readModels.rebuildAll();
    await send(bench, readModels, { type: 'LeaveRoom', data: { roomId }, metadata: as('u1') }); // seats u4
    expect(readModels.queueStanding(roomId, 'u4').status).toBe('admitted');
    expect(served(readModels, roomId, [...users, 'late'])).toEqual(await domainPositions(bench, roomId));
    expect(readModels.queueStanding(roomId, 'u5')).toEqual({ status: 'waiting', position: 8, waiting: 8 });

    await send(bench, readModels, { type: 'EndRoom', data: { roomId }, metadata: as('host') });
    expect(readModels.queueStanding(roomId, 'u5').status).toBe('none');
  });
});
