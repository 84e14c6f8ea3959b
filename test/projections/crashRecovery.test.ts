import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createReadModels } from '../../src/projections/index.ts';
import { spawnTs, watchLines } from '../support/childProcess.ts';
import { openWorkbench } from './support.ts';

describe('projection runner killed mid-catch-up', () => {
  const bench = openWorkbench('crash');
  afterAll(() => bench.close());

  it('resumes from its checkpoint with exactly-once effects', async () => {
    const at = new Date().toISOString();
    await bench.commands.send({
      type: 'OpenRoom',
      data: { roomId: 'big', title: 'Big', capacity: 300 },
      metadata: { actor: 'mod', at },
    });
    for (let wave = 0; wave < 6; wave += 1) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          bench.commands.send({ type: 'JoinRoom', data: { roomId: 'big' }, metadata: { actor: `w${wave}-${i}`, at } }),
        ),
      );
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          bench.commands.send({
            type: 'LeaveRoom',
            data: { roomId: 'big' },
            metadata: { actor: `w${wave}-${i * 5}`, at },
          }),
        ),
      );
    }
    const head = await bench.store.headPosition();
    expect(head).toBeGreaterThan(8000n);
    const readFile = join(bench.dir, 'read.db');

    const first = spawnTs('test/projections/fixtures/catchUp.ts', [bench.file, readFile]);
    let killedAt = -1n;
    const killed = await watchLines(first, (line) => {
      const position = BigInt(line.split(' ')[1] ?? '-1');
      if (line.startsWith('at ') && killedAt < 0n && position > head / 3n) {
        killedAt = position;
        first.kill('SIGKILL');
      }
    });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThan(0n);
    expect(killedAt).toBeLessThan(head);

    const lines: string[] = [];
    const resumed = await watchLines(spawnTs('test/projections/fixtures/catchUp.ts', [bench.file, readFile]), (line) =>
      lines.push(line),
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lines.at(-1)).toBe('done');
    // It started from its checkpoint, not from zero.
    const firstSeen = BigInt(lines[0]!.split(' ')[1]!);
    expect(firstSeen).toBeGreaterThanOrEqual(killedAt - 200n);

    const recovered = createReadModels({ store: bench.store, path: readFile });
    const fresh = createReadModels({ store: bench.store, path: join(bench.dir, 'fresh.db') });
    fresh.start();
    await fresh.waitFor(head);
    for (const name of ['rooms', 'capacityPlan', 'analytics']) {
      expect(recovered.runner.list(name, '', '\uffff', 1_000_000), name).toEqual(
        fresh.runner.list(name, '', '\uffff', 1_000_000),
      );
    }
    expect(recovered.room('big')?.familyListenerCount).toBe(4800);
    expect(recovered.room('big')?.listenerCount).toBeLessThanOrEqual(300);
    await recovered.stop();
    await fresh.stop();
  });
});
