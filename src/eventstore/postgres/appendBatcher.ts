import { WrongExpectedRevisionError } from '../errors.ts';
import type { AppendResult, ExpectedRevision } from '../types.ts';
import type { CheckedWrite } from '../validation.ts';

/** One row per write from an append function: its results, or (on the write that failed) the stream's actual revision. */
export type AppendRow = [next: string | null, position: string | null, conflict: string | null];

/**
 * One call of the log's append functions: `append_one` when it carries a
 * single write (its stream, expected revision, event count and events),
 * `append_events` otherwise (the arrays of every unit's writes).
 */
export interface AppendCall {
  readonly fn: 'append_one' | 'append_events';
  readonly values: unknown[];
}

/** Sends units (each one `appendToStreams` call's writes) in one call, one row per write back. */
export type SendUnits = (call: AppendCall) => Promise<AppendRow[]>;

interface Unit {
  readonly writes: readonly CheckedWrite[];
  readonly events: number;
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

const expectedText = (expected: ExpectedRevision): string =>
  typeof expected === 'bigint' ? expected.toString() : expected;

/**
 * A write's events as the JSON array its row holds. `data` and `metadata`
 * are the writer's JSON text, put in as they are (never parsed again).
 */
const eventsJson = (write: CheckedWrite): string =>
  `[${write.batch
    .map(
      (e) =>
        `{"eventId":${JSON.stringify(e.eventId)},"type":${JSON.stringify(e.type)},"data":${e.data},"metadata":${e.metadata}}`,
    )
    .join(',')}]`;

/**
 * A text[] literal of JSON texts. Within a quoted element only `"` and `\`
 * need a backslash, and JSON text has no raw control characters (they are
 * escaped inside its strings), so JSON's own string quoting is exactly the
 * array's: a native JSON.stringify instead of pg's per-element regular
 * expressions over every byte of every event.
 */
const jsonTextArray = (texts: readonly string[]): string => `{${texts.map((t) => JSON.stringify(t)).join(',')}}`;

/** The call for these units in this order: a lone write's own, or the arrays `append_events` takes. */
const toCall = (units: readonly Unit[]): AppendCall => {
  const lone = units.length === 1 && units[0]!.writes.length === 1 ? units[0]!.writes[0]! : undefined;
  if (lone) {
    return {
      fn: 'append_one',
      values: [lone.streamId, expectedText(lone.expected), lone.batch.length, eventsJson(lone)],
    };
  }
  const writes = units.flatMap((u) => u.writes);
  return {
    fn: 'append_events',
    values: [
      units.map((u) => u.writes.length),
      writes.map((w) => w.streamId),
      writes.map((w) => expectedText(w.expected)),
      writes.map((w) => w.batch.length),
      jsonTextArray(writes.map(eventsJson)),
    ],
  };
};

export interface AppendBatcherOptions {
  /** Most events one call carries (a larger single unit still goes, alone). Default 10,000. */
  readonly maxEvents?: number;
  /** Told the log's new head after each call that wrote. */
  readonly onHead: (position: bigint) => void;
}

/**
 * Group commit for the log: while one `append_events` call is in flight, the
 * appends that arrive wait, and the next call carries them all, in arrival
 * order, as one transaction and one commit. Every append keeps its own
 * all-or-nothing revision check (a unit per call), so gathering changes no
 * answer; it only shares the commit (and its disk flush) among appends that
 * were concurrent anyway. One call in flight per store costs nothing in
 * throughput: the log's append lock lets only one commit at a time.
 */
export const createAppendBatcher = (send: SendUnits, options: AppendBatcherOptions) => {
  const maxEvents = options.maxEvents ?? 10_000;
  const queue: Unit[] = [];
  let flushing = false;

  const take = (): Unit[] => {
    const units: Unit[] = [queue.shift()!];
    let events = units[0]!.events;
    while (queue.length > 0 && events + queue[0]!.events <= maxEvents) {
      const next = queue.shift()!;
      events += next.events;
      units.push(next);
    }
    return units;
  };

  const settle = (units: readonly Unit[], rows: readonly AppendRow[]): void => {
    let row = 0;
    let head = -1n;
    for (const unit of units) {
      const mine = rows.slice(row, row + unit.writes.length);
      row += unit.writes.length;
      const failed = mine.findIndex((r) => r[2] !== null);
      if (failed >= 0) {
        const write = unit.writes[failed]!;
        const actual = mine[failed]![2]!;
        unit.reject(
          new WrongExpectedRevisionError(write.streamId, write.expected, actual === 'none' ? 'none' : BigInt(actual)),
        );
        continue;
      }
      const results = mine.map(([next, position]) => ({
        nextExpectedRevision: BigInt(next!),
        position: BigInt(position!),
      }));
      head = results.at(-1)!.position;
      unit.resolve(results);
    }
    if (head >= 0n) options.onHead(head);
  };

  const flush = async (): Promise<void> => {
    flushing = true;
    while (queue.length > 0) {
      const units = take();
      try {
        settle(units, await send(toCall(units)));
      } catch (error) {
        for (const unit of units) unit.reject(error);
      }
    }
    flushing = false;
  };

  return {
    append: (writes: readonly CheckedWrite[]): Promise<AppendResult[]> =>
      new Promise((resolve, reject) => {
        queue.push({ writes, events: writes.reduce((n, w) => n + w.batch.length, 0), resolve, reject });
        if (!flushing) void flush();
      }),
  };
};
