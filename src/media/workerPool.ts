import { availableParallelism } from 'node:os';
import { createWorker, type types as ms } from 'mediasoup';

export interface PooledWorker {
  readonly worker: ms.Worker;
  readonly pid: number;
  /** Routers we placed on it and that are still open: the load that placement balances. */
  routers: number;
}

export interface WorkerPoolOptions {
  readonly size?: number;
  readonly logLevel?: ms.WorkerLogLevel;
  /** Called after a worker's process exited unexpectedly; its routers are already closed. */
  readonly onDied: (dead: PooledWorker) => void;
}

/**
 * A fixed number of worker slots. A dead worker's slot stays empty until
 * `replaceDead()` fills it, so placement never lands on a dead process.
 */
export class WorkerPool {
  readonly #workers: PooledWorker[] = [];
  readonly #size: number;
  readonly #logLevel: ms.WorkerLogLevel;
  readonly #onDied: (dead: PooledWorker) => void;
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    this.#size = options.size ?? availableParallelism();
    this.#logLevel = options.logLevel ?? 'warn';
    this.#onDied = options.onDied;
  }

  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    if (options.size !== undefined && (!Number.isInteger(options.size) || options.size < 1)) {
      throw new TypeError(`workers must be a positive integer, got ${String(options.size)}`);
    }
    const pool = new WorkerPool(options);
    try {
      await pool.replaceDead();
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get workers(): readonly PooledWorker[] {
    return this.#workers;
  }

  /** The live worker with the fewest routers; ties go to the earliest, so placement is deterministic. */
  leastLoaded(): PooledWorker {
    let best: PooledWorker | undefined;
    for (const w of this.#workers) if (!w.worker.closed && (best === undefined || w.routers < best.routers)) best = w;
    if (best === undefined)
      throw new Error('The media plane has no live worker; wait for the dead one to be replaced.');
    return best;
  }

  /** Starts workers until the pool is full again; returns the new ones. */
  async replaceDead(): Promise<PooledWorker[]> {
    const missing = this.#size - this.#workers.length;
    const started = await Promise.all(Array.from({ length: Math.max(0, missing) }, () => this.#spawn()));
    if (this.#closed) {
      for (const w of started) w.worker.close();
      return [];
    }
    this.#workers.push(...started);
    return started;
  }

  async #spawn(): Promise<PooledWorker> {
    const worker = await createWorker({ logLevel: this.#logLevel });
    const pooled: PooledWorker = { worker, pid: worker.pid, routers: 0 };
    worker.on('died', () => {
      const index = this.#workers.indexOf(pooled);
      if (index >= 0) this.#workers.splice(index, 1);
      if (!this.#closed) this.#onDied(pooled);
    });
    return pooled;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers.splice(0)) w.worker.close();
  }
}
