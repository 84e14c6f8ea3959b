// The control channel between API nodes and media nodes: JSON over HTTP,
// every request signed with HMAC-SHA256 over its path, timestamp, nonce and
// body with a secret both sides were configured with. A receiver refuses an
// unsigned, forged, stale (clock skew past the window) or replayed request.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MediaError, type MediaErrorCode } from './errors.ts';

const TS = 'x-spillway-timestamp';
const NONCE = 'x-spillway-nonce';
const SIGNATURE = 'x-spillway-signature';
/** Requests older or newer than this are stale; nonces are remembered as long. */
export const CONTROL_SKEW_MS = 10_000;
const MAX_BODY = 4 * 1024 * 1024;

export const requireControlSecret = (secret: unknown): string => {
  if (typeof secret !== 'string' || secret.length < 16)
    throw new TypeError('the control secret must be a string of at least 16 characters (SPILLWAY_MEDIA_SECRET)');
  return secret;
};

const signature = (secret: string, path: string, timestamp: string, nonce: string, body: string): string =>
  createHmac('sha256', secret).update(`${path}\n${timestamp}\n${nonce}\n${body}`).digest('hex');

/** The headers that make a request to `path` with `body` acceptable to a holder of `secret`. */
export const signControlRequest = (
  secret: string,
  path: string,
  body: string,
  now = Date.now(),
  nonce: string = randomUUID(),
): Record<string, string> => {
  const timestamp = String(now);
  return { [TS]: timestamp, [NONCE]: nonce, [SIGNATURE]: signature(secret, path, timestamp, nonce, body) };
};

/** Why a request was refused, or undefined when it is signed, fresh and new. */
export const createControlVerifier = (secret: string, skewMs = CONTROL_SKEW_MS) => {
  const seen = new Map<string, number>();
  return (headers: IncomingMessage['headers'], path: string, body: string, now = Date.now()): string | undefined => {
    const timestamp = headers[TS];
    const nonce = headers[NONCE];
    const given = headers[SIGNATURE];
    if (typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof given !== 'string')
      return `unsigned request: ${TS}, ${NONCE} and ${SIGNATURE} headers are required`;
    const at = Number(timestamp);
    if (!Number.isFinite(at) || Math.abs(now - at) > skewMs)
      return `stale request: its timestamp is more than ${skewMs} ms from this node's clock`;
    const expected = Buffer.from(signature(secret, path, timestamp, nonce, body), 'hex');
    const actual = Buffer.from(given, 'hex');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
      return 'bad signature: the request was not signed with this deployment’s control secret';
    for (const [key, until] of seen) if (until < now) seen.delete(key);
    if (seen.has(nonce)) return 'replayed request: this nonce was already used';
    seen.set(nonce, at + skewMs);
    return undefined;
  };
};

/** A refusal the other side sent back: a media error keeps its code, so the API maps it as if local. */
export class RemoteMediaError extends MediaError {
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The other side did not answer usefully (down, cut off, or refused the signature). */
export class ControlCallError extends Error {
  override readonly name = 'ControlCallError';
}

export interface ControlClient {
  call<T>(baseUrl: string, op: string, payload: unknown, timeoutMs?: number): Promise<T>;
}

export const createControlClient = (secret: string): ControlClient => ({
  async call<T>(baseUrl: string, op: string, payload: unknown, timeoutMs = 5_000): Promise<T> {
    const path = `/control/${op}`;
    const body = JSON.stringify(payload ?? null);
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signControlRequest(secret, path, body) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ControlCallError(
        `${baseUrl} did not answer ${op}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const text = await response.text();
    const answer = (text === '' ? null : JSON.parse(text)) as {
      error?: { kind: string; code: string; message: string };
    } | null;
    if (response.ok) return answer as T;
    const refusal = answer?.error;
    if (refusal?.kind === 'media') throw new RemoteMediaError(refusal.code as MediaErrorCode, refusal.message);
    if (refusal?.kind === 'input') throw new TypeError(refusal.message);
    throw new ControlCallError(`${baseUrl} refused ${op} (${response.status}): ${refusal?.message ?? text}`);
  },
});

export interface ControlHandlerOptions {
  readonly secret: string;
  /** Answers one verified request; a MediaError or TypeError goes back as a refusal with its message. */
  readonly handle: (op: string, payload: unknown) => Promise<unknown>;
  /** Told every verified request before it is handled (operators' audit, the privacy test). */
  readonly onRequest?: (op: string, body: string) => void;
}

export interface ControlServerOptions extends ControlHandlerOptions {
  readonly host: string;
  readonly port: number;
}

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

/**
 * Answers `POST /control/{op}` requests that are signed, fresh and new, on
 * any HTTP server (a media node's own, or an API node's beside GraphQL);
 * resolves false for any other path, leaving it to the caller.
 */
export const createControlHandler = (options: ControlHandlerOptions) => {
  const verify = createControlVerifier(requireControlSecret(options.secret));
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = request.url ?? '';
    if (!path.startsWith('/control/')) return false;
    const reply = (status: number, value: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value ?? null));
    };
    const refuse = (status: number, kind: string, code: string, message: string) =>
      reply(status, { error: { kind, code, message } });
    try {
      const op = /^\/control\/([A-Za-z]{1,64})$/.exec(path)?.[1];
      if (request.method !== 'POST' || op === undefined) {
        refuse(404, 'protocol', 'NOT_FOUND', `no control operation at ${request.method} ${path}`);
        return true;
      }
      const body = await readBody(request);
      if (body === undefined) {
        refuse(413, 'protocol', 'TOO_LARGE', `a control request has at most ${MAX_BODY} bytes`);
        return true;
      }
      const refusal = verify(request.headers, path, body);
      if (refusal) {
        refuse(401, 'protocol', 'UNAUTHORIZED', refusal);
        return true;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        refuse(400, 'input', 'INVALID_INPUT', 'the body is not JSON');
        return true;
      }
      options.onRequest?.(op, body);
      reply(200, await options.handle(op, payload));
    } catch (error) {
      if (response.headersSent) return true;
      if (error instanceof MediaError) refuse(409, 'media', error.code, error.message);
      else if (error instanceof TypeError) refuse(400, 'input', 'INVALID_INPUT', error.message);
      else refuse(500, 'internal', 'INTERNAL', error instanceof Error ? error.message : String(error));
    }
    return true;
  };
};

/** Listens for signed control requests (`POST /control/{op}`) until closed. */
export const serveControl = async (options: ControlServerOptions): Promise<ControlServer> => {
  const handler = createControlHandler(options);
  const server: Server = createServer((request, response) => {
    void handler(request, response).then((handled) => {
      if (handled) return;
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { kind: 'protocol', code: 'NOT_FOUND', message: 'not a control path' } }));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
};
