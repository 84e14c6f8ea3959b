import { createHmac, timingSafeEqual } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConcurrencyConflictError,
  NotOwnerError,
  OwnerUnreachableError,
  type CommandResult,
  type Forwarder,
} from '../commands/index.ts';
import { DomainError, isRecord, type DomainErrorCode, type RoomCommand, type RoomEvent } from '../domain/index.ts';

/*
 * The channel between API nodes: node-to-node HTTP. The owner's address is in
 * its lease, so a forward is one hop and one round trip, its answer comes back
 * on the same connection, and a node that is gone shows up at once as a
 * refused or timed-out request. Request/reply over Redis would put a second
 * hop and a reply channel in the path of every forwarded join, and Redis
 * pub/sub drops what is published while a subscriber reconnects. Forwards to
 * one owner are batched (one request in flight, the rest gathered into the
 * next), so a surge costs the owner a request per batch, not per join.
 *
 * Each request is signed: HMAC-SHA256 over its timestamp and body with the
 * deployment's shared secret; an unsigned, wrongly signed or stale request is
 * refused with 401 and decides nothing.
 */

const PATH = '/internal/commands';
const MAX_BODY = 4 * 1024 * 1024;
const MAX_SKEW_MS = 60_000;

interface WireResult {
  readonly roomId: string;
  readonly events: readonly RoomEvent[];
  readonly revision: string;
  readonly position: string;
}
type WireAnswer =
  | { readonly result: WireResult }
  | { readonly error: { readonly code?: string; readonly message: string; readonly owner?: string } };

const sign = (secret: string, time: string, body: string): string =>
  createHmac('sha256', secret).update(`${time}.${body}`).digest('hex');

const toWire = (result: CommandResult): WireResult => ({
  roomId: result.roomId,
  events: result.events,
  revision: result.revision.toString(),
  position: result.position.toString(),
});

const fromWire = (answer: WireAnswer, family: string): CommandResult => {
  if ('result' in answer) {
    const r = answer.result;
    return { roomId: r.roomId, events: r.events, revision: BigInt(r.revision), position: BigInt(r.position) };
  }
  const { code, message, owner } = answer.error;
  if (code === 'NOT_OWNER') throw new NotOwnerError(family, owner ?? 'unknown');
  if (code === 'CONFLICT') throw new ConcurrencyConflictError('Room', family, 1);
  if (code && /^[A-Z_]+$/.test(code) && code !== 'INTERNAL') {
    // Domain refusals keep their class for the API's mapping; other codes keep their code.
    const error = code.startsWith('EVENT_STORE') || code === 'UNAVAILABLE' ? new Error(message) : undefined;
    if (error) throw Object.assign(error, { code });
    throw new DomainError(code as DomainErrorCode, message);
  }
  throw new Error(message);
};

interface Forwarded {
  readonly command: RoomCommand;
  readonly retry: boolean;
}

/**
 * A forward's commands, checked as a whole before any is decided: each an
 * object with a command type and a room id (what routing needs; the command
 * path refuses the rest of a bad command itself) and, if given, a boolean
 * retry. Throws naming the first thing wrong.
 */
const parseForward = (body: string): Forwarded[] => {
  const parsed: unknown = JSON.parse(body);
  const commands = isRecord(parsed) ? parsed.commands : undefined;
  if (!Array.isArray(commands)) throw new TypeError('commands must be an array');
  return commands.map((entry: unknown, i): Forwarded => {
    const at = `commands[${i}]`;
    if (!isRecord(entry) || !isRecord(entry.command)) throw new TypeError(`${at}.command must be an object`);
    const { command, retry } = entry;
    if (typeof command.type !== 'string') throw new TypeError(`${at}.command.type must be a string`);
    if (!isRecord(command.data) || typeof command.data.roomId !== 'string' || command.data.roomId.length === 0) {
      throw new TypeError(`${at}.command.data.roomId must be a non-empty string`);
    }
    if (command.metadata !== undefined && !isRecord(command.metadata)) {
      throw new TypeError(`${at}.command.metadata must be an object`);
    }
    if (retry !== undefined && typeof retry !== 'boolean') throw new TypeError(`${at}.retry must be a boolean`);
    return { command: command as unknown as RoomCommand, retry: retry === true };
  });
};

const readBody = (request: IncomingMessage): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

export interface InternalChannelOptions {
  readonly secret: string;
  readonly host: string;
  readonly port: number;
  /** Decides a forwarded command (the ownership's `decideForwarded`). */
  readonly decide: (command: RoomCommand, retry: boolean) => Promise<CommandResult>;
  readonly onInternalError?: (error: unknown) => void;
}

/** The receiving side: listens for signed forwards and answers each command of a batch. */
export const startInternalChannel = async (
  options: InternalChannelOptions,
): Promise<{ url: string; close(): Promise<void> }> => {
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    void (async () => {
      if (request.method !== 'POST' || request.url !== PATH) return reply(404, { error: 'not found' });
      const body = await readBody(request);
      if (body === undefined) return reply(413, { error: `a forward is at most ${MAX_BODY} bytes` });
      const time = String(request.headers['x-spillway-time'] ?? '');
      const given = Buffer.from(String(request.headers['x-spillway-signature'] ?? ''), 'hex');
      const expected = Buffer.from(sign(options.secret, time, body), 'hex');
      const fresh = Math.abs(Date.now() - Number(time)) <= MAX_SKEW_MS;
      if (!fresh || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply(401, { error: 'unsigned, wrongly signed or stale forward' });
      }
      let commands: Forwarded[];
      try {
        commands = parseForward(body);
      } catch (error) {
        return reply(400, { error: `malformed forward: ${(error as Error).message}` });
      }
      const answers = await Promise.all(
        commands.map(async ({ command, retry }): Promise<WireAnswer> => {
          try {
            return { result: toWire(await options.decide(command, retry)) };
          } catch (error) {
            const code = error instanceof Error && 'code' in error ? String(error.code) : 'INTERNAL';
            if (code === 'INTERNAL') options.onInternalError?.(error);
            return {
              error: {
                code,
                message: code === 'INTERNAL' ? 'The owner failed to decide this command.' : (error as Error).message,
                ...(error instanceof NotOwnerError ? { owner: error.owner } : {}),
              },
            };
          }
        }),
      );
      reply(200, { answers });
    })().catch((error: unknown) => {
      options.onInternalError?.(error);
      if (!response.headersSent) reply(500, { error: 'internal' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

interface Queued {
  readonly command: RoomCommand;
  readonly retry: boolean;
  resolve(result: CommandResult): void;
  reject(error: unknown): void;
}

/**
 * The sending side: one request in flight per owner, and everything that
 * arrives meanwhile goes in the next (bigger batches cost less per command;
 * measured in `bench cluster`).
 */
export const createHttpForwarder = (
  secret: string,
  options: { timeoutMs?: number; maxInFlight?: number; maxBatch?: number } = {},
): Forwarder => {
  // Long enough for a busy owner; a dead one shows up sooner, as a refused connection. One cut off by the
  // network shows up only as silence, so the cluster sets this a little past a lease (see cluster.ts).
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxInFlight = options.maxInFlight ?? 1;
  const maxBatch = options.maxBatch ?? 500;
  const owners = new Map<string, { queue: Queued[]; inFlight: number; soon: boolean }>();

  // node:http on kept-alive connections: a forward is a batch, and fetch's per-request cost showed in `bench cluster`.
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(4, maxInFlight * 2) });
  const postSigned = (url: string, body: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        url,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });
  const post = async (address: string, batch: Queued[]): Promise<void> => {
    const body = JSON.stringify({ commands: batch.map((q) => ({ command: q.command, retry: q.retry })) });
    const time = String(Date.now());
    let answers: WireAnswer[];
    try {
      const response = await postSigned(`${address}${PATH}`, body, {
        'content-type': 'application/json',
        'x-spillway-time': time,
        'x-spillway-signature': sign(secret, time, body),
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${response.body}`);
      answers = (JSON.parse(response.body) as { answers: WireAnswer[] }).answers;
      if (!Array.isArray(answers) || answers.length !== batch.length) {
        throw new Error(
          `its answer carried ${Array.isArray(answers) ? answers.length : 'no'} answers for ${batch.length} commands`,
        );
      }
    } catch (error) {
      const unreachable = new OwnerUnreachableError(address, error instanceof Error ? error.message : String(error));
      // What queued behind this request would only wait for the same silence: it goes back to be routed again.
      const waiting = owners.get(address)?.queue.splice(0) ?? [];
      for (const q of [...batch, ...waiting]) q.reject(unreachable);
      return;
    }
    batch.forEach((q, i) => {
      try {
        q.resolve(fromWire(answers[i]!, q.command.data.roomId));
      } catch (error) {
        q.reject(error);
      }
    });
  };

  const pump = (address: string): void => {
    const owner = owners.get(address)!;
    while (owner.inFlight < maxInFlight && owner.queue.length > 0) {
      owner.inFlight += 1;
      void post(address, owner.queue.splice(0, maxBatch)).finally(() => {
        owner.inFlight -= 1;
        pump(address);
      });
    }
  };

  return {
    forward: (address, command, retry) =>
      new Promise((resolve, reject) => {
        let owner = owners.get(address);
        if (!owner) owners.set(address, (owner = { queue: [], inFlight: 0, soon: false }));
        owner.queue.push({ command, retry, resolve, reject });
        // A request goes out after this pass of the event loop, with every
        // command the pass brought: the first join of a surge does not leave alone.
        if (owner.soon) return;
        owner.soon = true;
        setImmediate(() => {
          owner.soon = false;
          pump(address);
        });
      }),
  };
};
