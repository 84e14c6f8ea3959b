// npm run bench -- api [--joins N] [--subscribers N] [--quick] [--joins-only]
// The GraphQL API over real HTTP, in-process server:
//  (a) joinRoom mutations/s from 64 and 256 keep-alive connections (autocannon
//      in a child process; distinct users, one token each, one room of
//      capacity 5,000 spilling into overflow rooms), against a bare node:http
//      server doing the same JSON parse + HS256 verify + JSON answer in this
//      process: `ratio` is the API's share of what the box can do. The join
//      is sent as a trusted document (documentId), and again as an ad-hoc
//      document for comparison;
//  (b) feed fan-out: N SSE subscribers on one room (in a child process, so
//      the server and the subscribers each have their own file-descriptor
//      limit and event loop), one join, latency from just before the
//      mutation is sent to each subscriber's receipt.
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jwtVerify } from 'jose';
import { pino } from 'pino';
import { loadConfig, serve, signToken, type RunningServer } from '../src/runtime/index.ts';
import { serverNamespace } from '../test/support/serverNamespace.ts';
import { makeTempDir } from '../test/support/tempDir.ts';
import { load } from './joinLoad.ts';
import { env, ratio, report, rssMb } from './report.ts';

const SECRET = 'bench-secret-of-sufficient-length';
/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const now = (): number => performance.timeOrigin + performance.now();
const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

const graphql = async (url: string, token: string, query: string): Promise<void> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { errors?: { message: string }[] };
  if (body.errors) throw new Error(`${query}: ${body.errors.map((e) => e.message).join('; ')}`);
};

const openRoomInProcess = async (server: RunningServer, capacity: number): Promise<string> => {
  const roomId = `bench-${randomUUID()}`;
  await server.engine.commands.send({
    type: 'OpenRoom',
    data: { roomId, title: 'Bench', capacity, maxOverflowRooms: 10_000 },
    metadata: { actor: 'producer', at: new Date().toISOString() },
  });
  return roomId;
};

// --- joins: the API against a bare Node HTTP server doing the same parse + verify + answer -------------------

/**
 * The ceiling a join over HTTP can approach on this machine: node:http, the
 * body parsed as JSON, the bearer token verified (jose, HS256, the key imported
 * once as the API does), a JSON answer shaped like joinRoom's.
 */
const startBareServer = async (secret: string): Promise<{ url: string; close(): Promise<void> }> => {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables: { roomId: string } };
        const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
        const answer = JSON.stringify({
          data: {
            joinRoom: { role: 'listener', room: { id: body.variables.roomId, parentId: null }, user: payload.sub },
          },
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
        res.end(answer);
      })().catch((error: unknown) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};

const joinThroughput = async (server: RunningServer, clients: number, joins: number) => {
  const bare = await startBareServer(SECRET);
  const run = randomUUID().slice(0, 8);
  const base = { secret: SECRET, joins, connections: clients } as const;
  try {
    const ceiling = await load({ ...base, url: bare.url, roomId: 'bare', users: `bare-${run}`, send: 'documentId' });
    const trusted = await load({
      ...base,
      url: server.url,
      roomId: await openRoomInProcess(server, 5000),
      users: `trusted-${run}`,
      send: 'documentId',
    });
    const adHoc = await load({
      ...base,
      url: server.url,
      roomId: await openRoomInProcess(server, 5000),
      users: `adhoc-${run}`,
      send: 'query',
    });
    for (const [name, r] of [
      ['bare', ceiling],
      ['trusted', trusted],
      ['ad-hoc', adHoc],
    ] as const) {
      if (r.failed > 0) report(`note: ${r.failed} of ${joins} ${name} joins failed; the first: ${r.firstFailure}`);
    }
    // The tail against the mean, for both: in a closed loop the mean latency is clients ÷ rate, so a p99
    // that is the same multiple of it for both servers comes from the load, not from a stall of ours.
    const tail = (r: typeof trusted) =>
      `p50=${Math.round(r.p50)}ms p99/mean=${(r.p99 / ((1000 * clients) / r.perSecond)).toFixed(1)}`;
    report(`api joins tail: clients=${clients} http ${tail(trusted)}; bare ${tail(ceiling)}`);
    report(
      `api joins: clients=${clients} joins=${joins} http=${Math.round(trusted.perSecond)}/s bare=${Math.round(ceiling.perSecond)}/s ratio=${(trusted.perSecond / ceiling.perSecond).toFixed(2)} p99=${Math.round(trusted.p99)}ms (bare p99=${Math.round(ceiling.p99)}ms; ad-hoc document: ${Math.round(adHoc.perSecond)}/s ratio=${(adHoc.perSecond / ceiling.perSecond).toFixed(2)} p99=${Math.round(adHoc.p99)}ms)`,
    );
  } finally {
    await bare.close();
  }
};

// --- fan-out: the subscribers' side, run as a child process -------------------------------------------------

type ToSubscribers =
  | { type: 'open'; url: string; roomId: string; token: string; count: number }
  | { type: 'collect'; marker: string; timeoutMs: number };
type FromSubscribers =
  { type: 'opened'; opened: number; failure: string | null } | { type: 'collected'; times: number[]; missing: number };

const runSubscribers = (): void => {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const arrivals: Map<string, number>[] = [];
  const send = (message: FromSubscribers) => process.send!(message);
  const subscribe = (url: string, roomId: string, token: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const seen = new Map<string, number>();
      const body = JSON.stringify({
        query: `subscription { roomFeed(roomId: "${roomId}") { __typename } }`,
      });
      const req = request(url, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          accept: 'text/event-stream',
          authorization: `Bearer ${token}`,
        },
      });
      req.once('response', (response) => {
        if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode}`));
        arrivals.push(seen);
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          const at = now();
          for (const marker of ['ListenerCountChanged', 'HandsChanged'])
            if (!seen.has(marker) && chunk.includes(marker)) seen.set(marker, at);
        });
        resolve();
      });
      req.once('error', reject);
      req.end(body);
    });

  process.on('message', (message: ToSubscribers) => {
    void (async () => {
      if (message.type === 'open') {
        let failure: string | null = null;
        for (let i = 0; i < message.count && !failure; i += 250) {
          const batch = Array.from({ length: Math.min(250, message.count - i) }, () =>
            subscribe(message.url, message.roomId, message.token),
          );
          for (const outcome of await Promise.allSettled(batch)) {
            if (outcome.status === 'rejected') failure ??= String(outcome.reason);
          }
        }
        send({ type: 'opened', opened: arrivals.length, failure });
        return;
      }
      const deadline = Date.now() + message.timeoutMs;
      while (Date.now() < deadline && arrivals.some((seen) => !seen.has(message.marker)))
        await new Promise((resolve) => setTimeout(resolve, 20));
      const times = arrivals.flatMap((seen) => seen.get(message.marker) ?? []);
      send({ type: 'collected', times, missing: arrivals.length - times.length });
    })();
  });
};

const ask = <T extends FromSubscribers['type']>(child: ChildProcess, message: ToSubscribers, answer: T) =>
  new Promise<Extract<FromSubscribers, { type: T }>>((resolve, reject) => {
    const onMessage = (reply: FromSubscribers) => {
      if (reply.type !== answer) return;
      child.off('message', onMessage);
      resolve(reply as Extract<FromSubscribers, { type: T }>);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the subscribers' process exited (${code})`)));
    child.send(message);
  });

interface FanOut {
  readonly subscribers: number;
  readonly p50: number;
  readonly p99: number;
  readonly handsP50: number;
  readonly handsP99: number;
}

const fanOut = async (server: RunningServer, wanted: number): Promise<FanOut> => {
  const child = fork(fileURLToPath(import.meta.url), ['--subscribers'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const roomId = await openRoomInProcess(server, 5000);
    const listener = await signToken(SECRET, 'fan', ['listener']);
    const opened = await ask(
      child,
      { type: 'open', url: server.url, roomId, token: listener, count: wanted },
      'opened',
    );
    if (opened.failure) {
      report(
        `note: asked for ${wanted} SSE subscribers, the OS allowed ${opened.opened} (${opened.failure}); measuring those.`,
      );
    }
    const latencies = async (marker: string, mutation: string) => {
      const sent = now();
      await graphql(server.url, listener, mutation);
      const { times, missing } = await ask(child, { type: 'collect', marker, timeoutMs: 60_000 }, 'collected');
      if (missing > 0) report(`note: ${missing} of ${opened.opened} subscribers never received ${marker}.`);
      return times.map((t) => t - sent).sort((x, y) => x - y);
    };
    const joined = await latencies(
      'ListenerCountChanged',
      `mutation { joinRoom(roomId: "${roomId}") { ... on Placement { role } } }`,
    );
    const hands = await latencies('HandsChanged', `mutation { raiseHand(roomId: "${roomId}") { id } }`);
    return {
      subscribers: opened.opened,
      p50: percentile(joined, 0.5),
      p99: percentile(joined, 0.99),
      handsP50: percentile(hands, 0.5),
      handsP99: percentile(hands, 0.99),
    };
  } finally {
    child.kill();
  }
};

export const run = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({
    args,
    options: {
      joins: { type: 'string' },
      subscribers: { type: 'string' },
      quick: { type: 'boolean' },
      'joins-only': { type: 'boolean' },
    },
  });
  const joins = Number(values.joins ?? (values.quick ? 5000 : 20_000));
  const subscribers = Number(values.subscribers ?? (values.quick ? 1000 : 10_000));
  const dir = makeTempDir('bench-api');
  // Its queue and keys are its own in the Redis it finds, and removed after.
  const namespace = serverNamespace('bench-api');
  const config = loadConfig(
    { dataDir: dir.path, port: '0', host: '127.0.0.1' },
    { SPILLWAY_JWT_SECRET: SECRET, SPILLWAY_MEDIA: 'off', ...namespace.env },
  );
  const server = await serve(config, { mutationsPerSecond: 1e9, logger: pino({ level: 'warn' }) });
  try {
    report(`api bench on ${env()}: ${joins} joins per run, SSE fan-out to ${subscribers} subscribers`);
    for (const clients of [64, 256]) await joinThroughput(server, clients, joins);
    if (values['joins-only']) return;

    // Listener counts are coalesced per room (at most one per 250 ms window); the join here is
    // the room's first change, so its ListenerCountChanged goes out with its batch, like a
    // raised hand's HandsChanged. (Before 2026-11-28 every count waited out the window.)
    const small = await fanOut(server, Math.max(1, Math.floor(subscribers / 10)));
    const large = await fanOut(server, subscribers);
    for (const r of [small, large]) {
      report(`fanout: subscribers=${r.subscribers} p50=${Math.round(r.p50)}ms p99=${Math.round(r.p99)}ms`);
      report(
        `fanout (HandsChanged, not coalesced): subscribers=${r.subscribers} p50=${Math.round(r.handsP50)}ms p99=${Math.round(r.handsP99)}ms`,
      );
    }
    report(
      `fanout ratio ${large.subscribers}/${small.subscribers}: p50 ${ratio(large.p50, small.p50)} p99 ${ratio(large.p99, small.p99)} (HandsChanged p99 ${ratio(large.handsP99, small.handsP99)}) rss=${rssMb()}MB`,
    );
  } finally {
    await server.stop();
    await namespace.remove();
    dir.remove();
  }
};

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--subscribers')) runSubscribers();
