import pg from 'pg';
import { waitForWake } from '../pollingSubscription.ts';

export interface HeadWatchOptions {
  readonly connectionString: string;
  /** Sends the NOTIFY that announces a new head (on the store's pool). */
  readonly announce: (channel: string, position: bigint) => Promise<unknown>;
  readonly channel: string;
  readonly connectionTimeoutMillis: number;
  /** Least time from one NOTIFY to the next while appends keep coming (the first after a quiet spell goes at once). */
  readonly announceIntervalMs: number;
  readonly listen: boolean;
  readonly pollIntervalMs: number;
  readonly fallbackPollIntervalMs: number;
}

export interface HeadWatch {
  /** Opens the LISTEN connection (once; later calls do nothing; never with `listen: false`). */
  start(): void;
  /** An append of this process reached `position`: wakes its subscriptions, and tells the other nodes'. */
  noteHead(position: bigint): void;
  /**
   * Resolves when an event at `position` may be there: at once if a known
   * append reached it, else on the next NOTIFY or in-process append, or after
   * the poll interval (short while LISTEN is down, so polling carries on alone).
   */
  readonly waitFor: (position: bigint, stop: AbortSignal) => Promise<void>;
  close(): Promise<void>;
}

/**
 * What a store knows of the log's head, from its own appends and from the
 * NOTIFYs other nodes' stores send after theirs. Announcing is off the
 * append's path and coalesced: one NOTIFY in flight, the next no sooner than
 * `announceIntervalMs` after it was sent, and whatever head was reached
 * meanwhile goes in the next. A NOTIFY is a second transaction beside the
 * append's, and one after every append made appends that come one after
 * another about 1.3x slower (PERFORMANCE.md): the interval bounds that
 * cost while appends keep coming, and the first append after a quiet spell
 * is announced at once. NOTIFY only wakes readers, who then
 * read the table: a notification lost (its sender died right after its
 * commit, or the LISTEN connection was down) costs latency until the poll
 * finds the events, never events.
 */
export const createHeadWatch = (options: HeadWatchOptions): HeadWatch => {
  let known = -1n;
  let listening = false;
  let started = false;
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const waiters = new Set<() => void>();

  const wakeAll = (): void => {
    for (const wake of [...waiters]) wake();
  };
  let announcing = false;
  let toAnnounce = -1n;
  let announced = -1n;
  let pause: NodeJS.Timeout | undefined;
  const announce = (): void => {
    if (announcing || toAnnounce <= announced || closed) return;
    announcing = true;
    const position = toAnnounce;
    const sent = performance.now();
    options
      .announce(options.channel, position)
      .then(
        () => (announced = position),
        () => undefined,
      )
      .finally(() => {
        const next = (): void => {
          pause = undefined;
          announcing = false;
          announce();
        };
        const wait = options.announceIntervalMs - (performance.now() - sent);
        if (wait > 0) pause = setTimeout(next, wait);
        else next();
      });
  };
  const noteHead = (position: bigint): void => {
    if (position > known) known = position;
    wakeAll();
  };

  const connect = (): void => {
    if (closed) return;
    const next = new pg.Client({
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectionTimeoutMillis,
      keepAlive: true,
    });
    client = next;
    const lost = (): void => {
      if (client !== next) return;
      client = undefined;
      listening = false;
      wakeAll();
      next.end().catch(() => undefined);
      if (!closed) retry = setTimeout(connect, 1000);
    };
    next.on('error', lost);
    next.on('end', lost);
    next.on('notification', (message) => {
      if (message.payload && /^\d+$/.test(message.payload)) noteHead(BigInt(message.payload));
    });
    next
      .connect()
      .then(() => next.query(`LISTEN "${options.channel}"`))
      .then(() => {
        if (client !== next) return;
        listening = true;
        // Whatever was appended while we were not listening is found by this wake-up's read.
        wakeAll();
      })
      .catch(lost);
  };

  return {
    start() {
      if (started || !options.listen) return;
      started = true;
      connect();
    },
    noteHead: (position) => {
      noteHead(position);
      if (position > toAnnounce) toAnnounce = position;
      announce();
    },
    waitFor: async (position, stop) => {
      if (known >= position || stop.aborted || closed) return;
      await waitForWake(
        waiters,
        options.listen && !listening ? options.fallbackPollIntervalMs : options.pollIntervalMs,
        stop,
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retry);
      clearTimeout(pause);
      wakeAll();
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
};
