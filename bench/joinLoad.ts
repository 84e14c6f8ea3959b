// The load generator of `npm run bench -- api` (joins): autocannon in its own
// process, so the server under test keeps its core. Told a URL, a room and how
// to send a join, it signs one token per join (distinct users), sends every
// join once from `connections` keep-alive connections, and reports back.
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
}

export interface LoadResult {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Answers that were not HTTP 200, or carried errors. */
  readonly failed: number;
  readonly firstFailure: string | null;
}

const JOIN =
  'mutation JoinRoom($roomId: ID!) { joinRoom(roomId: $roomId) { ... on Placement { role room { id parentId } } } }';

const run = async (request: LoadRequest): Promise<LoadResult> => {
  const tokens = await Promise.all(
    Array.from({ length: request.joins }, (_, i) => signToken(request.secret, `${request.users}-${i}`, ['listener'])),
  );
  const bodies = tokens.map(() =>
    JSON.stringify(
      request.send === 'documentId'
        ? { documentId: 'JoinRoom', variables: { roomId: request.roomId } }
        : { query: JOIN, variables: { roomId: request.roomId } },
    ),
  );
  let next = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  const started = performance.now();
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    amount: request.joins,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const i = next++ % request.joins;
          return {
            ...req,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i]}` },
            body: bodies[i],
          };
        },
        onResponse: (status, body) => {
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
