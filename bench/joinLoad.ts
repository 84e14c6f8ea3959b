// The load generator of `npm run bench -- api` (joins): autocannon in its own
// process, so the server under test keeps its core. Told a URL, a room and how
// to send a join, it signs one token per join (distinct users), sends every
// join once from `connections` keep-alive connections, and reports back.
// The surge and waiting-room benches also send leaves (`document`), and ask
// for every request's send time and answer (`record`).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { signToken } from '../src/runtime/index.ts';

export interface LoadRequest {
  readonly url: string;
  readonly roomId: string;
  readonly secret: string;
  readonly joins: number;
  readonly connections: number;
  /** Distinct users per run: `${users}-${i}`. */
  readonly users: string;
  /** A trusted document by id, or the document itself. */
  readonly send: 'documentId' | 'query';
  /** What each user sends: a join (the default) or a leave of `roomId`. */
  readonly document?: 'JoinRoom' | 'LeaveRoom';
  /** Keep each request's send time and answer (`LoadResult.requests`). */
  readonly record?: boolean;
}

/** One request as the load generator saw it (with `record`). */
export interface RequestRecord {
  /** `${users}-${i}`. */
  readonly user: string;
  /** Wall-clock ms (sub-ms resolution) when autocannon built it, just before writing it: comparable with the server's `recordedAt`. */
  readonly sentAt: number;
  /** From `sentAt` to the whole answer. */
  readonly ms: number;
  /** The answer's `__typename` (JoinRoom: Placement or Queued), or `error`. */
  readonly typename: string;
  /** A Queued answer's position. */
  readonly position?: number;
}

export interface LoadResult {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Answers that were not HTTP 200, or carried errors. */
  readonly failed: number;
  readonly firstFailure: string | null;
  /** With `record`: every request, by user index. */
  readonly requests?: readonly RequestRecord[];
}

const JOIN =
  'mutation JoinRoom($roomId: ID!) { joinRoom(roomId: $roomId) { ... on Placement { role room { id parentId } } } }';
const LEAVE = 'mutation LeaveRoom($roomId: ID!) { leaveRoom(roomId: $roomId) { id } }';
/** Wall-clock milliseconds with sub-millisecond resolution. */
const now = (): number => performance.timeOrigin + performance.now();

const answerOf = (status: number, body: string): { typename: string; position?: number } => {
  if (status !== 200 || body.includes('"errors"')) return { typename: 'error' };
  const answer = (JSON.parse(body) as { data?: Record<string, { __typename?: string; position?: number } | null> })
    .data;
  const first = answer ? Object.values(answer)[0] : undefined;
  return {
    typename: first?.__typename ?? 'answered',
    ...(first?.position === undefined ? {} : { position: first.position }),
  };
};

const run = async (request: LoadRequest): Promise<LoadResult> => {
  const tokens = await Promise.all(
    Array.from({ length: request.joins }, (_, i) => signToken(request.secret, `${request.users}-${i}`, ['listener'])),
  );
  const document = request.document ?? 'JoinRoom';
  const bodies = tokens.map(() =>
    JSON.stringify(
      request.send === 'documentId'
        ? { documentId: document, variables: { roomId: request.roomId } }
        : { query: document === 'JoinRoom' ? JOIN : LEAVE, variables: { roomId: request.roomId } },
    ),
  );
  let next = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  const requests: RequestRecord[] = [];
  const started = performance.now();
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    amount: request.joins,
    requests: [
      {
        method: 'POST',
        // One request at a time per connection: its context holds the request in flight until its answer.
        setupRequest: (req, context) => {
          const i = next++ % request.joins;
          context.i = i;
          context.sentAt = now();
          return {
            ...req,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i]}` },
            body: bodies[i],
          };
        },
        onResponse: (status, body, context) => {
          if (request.record && context.i !== undefined && context.sentAt !== undefined) {
            const i = context.i;
            requests[i] = {
              user: `${request.users}-${i}`,
              sentAt: context.sentAt,
              ms: now() - context.sentAt,
              ...answerOf(status, body),
            };
          }
          if (status === 200 && !body.includes('"errors"')) return;
          failed += 1;
          firstFailure ??= `HTTP ${status}: ${body.slice(0, 200)}`;
        },
      },
    ],
  });
  // autocannon's own duration is in whole seconds: too coarse for a run of a few seconds.
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: failed + result.errors + result.timeouts,
    firstFailure,
    // Requests never answered (errors, timeouts) have no record: `filter` drops the holes.
    ...(request.record ? { requests: requests.filter((r) => r !== undefined) } : {}),
  };
};

/** One load run in a child process (this file): autocannon there, the server in the caller. */
export const load = (request: LoadRequest): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (result: LoadResult) => resolve(result));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the load generator exited (${code})`))));
    child.send(request);
  });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once('message', (request: LoadRequest) => {
    void run(request).then(
      (result) => process.send!(result, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
