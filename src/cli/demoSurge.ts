import { randomUUID } from 'node:crypto';
import { describeEventStore, openEngine, type SpillwayConfig } from '../runtime/index.ts';
import { createProgress } from './progress.ts';

export interface SurgeDemoOptions {
  readonly listeners: number;
  readonly capacity: number;
  readonly clients: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/**
 * A headliner's room fills, in-process: the room opens, the headliner
 * arrives, and a crowd joins through the command path (group commit) while
 * the read models follow the log. Ends with one line of figures.
 */
export const runSurgeDemo = async (config: SpillwayConfig, options: SurgeDemoOptions): Promise<void> => {
  const engine = openEngine(config);
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  print(`event store: ${describeEventStore(config.eventStore)}; read models: ${config.readModelsFile}`);
  const roomId = `headliner-${randomUUID().slice(0, 8)}`;
  const at = () => new Date().toISOString();
  const lags: number[] = [];
  const sampler = setInterval(() => lags.push(engine.readModels.lag().ms), 20);
  try {
    const { commands } = engine;
    await commands.send({
      type: 'OpenRoom',
      data: { roomId, title: 'Headliner live', capacity: options.capacity },
      metadata: { actor: 'producer', at: at() },
    });
    await commands.send({
      type: 'AnnounceHeadliner',
      data: { roomId, userId: 'headliner', expectedAudience: options.listeners },
      metadata: { actor: 'producer', at: at() },
    });
    await commands.send({ type: 'MarkHeadlinerArrived', data: { roomId }, metadata: { actor: 'producer', at: at() } });

    const progress = createProgress('admitting', options.listeners, 'listeners');
    const latencies: number[] = [];
    let next = 0;
    let head = -1n;
    const client = async (): Promise<void> => {
      while (next < options.listeners) {
        const i = next++;
        const sent = performance.now();
        const result = await commands.send({
          type: 'JoinRoom',
          data: { roomId },
          metadata: { actor: `listener-${i}`, at: at() },
        });
        latencies.push(performance.now() - sent);
        if (result.position > head) head = result.position;
        if (latencies.length % 500 === 0) progress.update(latencies.length);
      }
    };
    await Promise.all(Array.from({ length: options.clients }, client));
    const { rate } = progress.stop(latencies.length);
    await engine.readModels.waitFor(head);
    const room = engine.readModels.room(roomId);
    if (!room) throw new Error(`The read models do not show room ${roomId} after the surge.`);
    const overcap =
      Math.max(0, room.listenerCount - room.capacity) +
      room.overflow.reduce((sum, o) => sum + Math.max(0, o.listeners - o.capacity), 0);
    latencies.sort((a, b) => a - b);
    lags.sort((a, b) => a - b);
    print(
      `room ${roomId}: main ${room.listenerCount}/${room.capacity}, ${room.overflow.length} overflow rooms: ${room.overflow.map((o) => o.listeners).join(' ')}`,
    );
    print(
      `export its history: npx spillway replay --events ${roomId} --format csv   |   its timeline: npx spillway replay --analytics ${roomId}`,
    );
    print(
      `surge demo: listeners=${options.listeners} admitted=${room.familyListenerCount} rooms=${1 + room.overflow.length} overcap=${overcap} rate=${Math.round(rate)}/s p50=${percentile(latencies, 0.5).toFixed(1)}ms p99=${percentile(latencies, 0.99).toFixed(1)}ms lag_p99=${percentile(lags, 0.99).toFixed(1)}ms`,
    );
  } finally {
    clearInterval(sampler);
    await engine.close();
  }
};
