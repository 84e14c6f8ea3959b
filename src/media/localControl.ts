// The control channel inside one process: the same operations and the same
// JSON bodies as the signed HTTP channel, handed to the handler in process.
// Embedded media (SPILLWAY_MEDIA=on) is a media node served this way at
// `local:{name}`, so the serve process's API side and its node talk exactly
// as an API node and a media host do, with no socket and nothing to sign
// (nothing leaves the process).
import { ControlCallError, createControlClient, RemoteMediaError, type ControlClient } from './controlChannel.ts';
import { MediaError } from './errors.ts';

const LOCAL_URL = /^local:([A-Za-z0-9_-]{1,64})$/;

export interface LocalControlHandler {
  /** Answers one request; a MediaError or TypeError goes back as a refusal with its message, as over HTTP. */
  readonly handle: (op: string, payload: unknown) => Promise<unknown>;
  /** Told every request before it is handled, as its raw body. */
  readonly onRequest?: (op: string, body: string) => void;
}

export interface LocalControl {
  /** Answers requests to `local:{name}` until closed; the URL is what a node's profile names. */
  serve(name: string, handler: LocalControlHandler): { readonly url: string; close(): Promise<void> };
  /** A client that reaches `local:` URLs in process and any other over the signed HTTP channel. */
  client(secret: string): ControlClient;
}

/** The body as it would cross the wire: a copy, so neither side shares objects with the other. */
const wire = (value: unknown): unknown => {
  const text = JSON.stringify(value ?? null);
  return JSON.parse(text);
};

export const createLocalControl = (): LocalControl => {
  const served = new Map<string, LocalControlHandler>();
  const callLocal = async (url: string, op: string, payload: unknown): Promise<unknown> => {
    const handler = served.get(url);
    if (!handler) throw new ControlCallError(`${url} did not answer ${op}: nothing is served there in this process`);
    if (!/^[A-Za-z]{1,64}$/.test(op)) throw new ControlCallError(`${url} refused ${op}: no such control operation`);
    const body = JSON.stringify(payload ?? null);
    handler.onRequest?.(op, body);
    try {
      return wire(await handler.handle(op, JSON.parse(body)));
    } catch (error) {
      if (error instanceof MediaError) throw new RemoteMediaError(error.code, error.message);
      if (error instanceof TypeError) throw new TypeError(error.message);
      throw new ControlCallError(`${url} refused ${op}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return {
    serve(name, handler) {
      const url = `local:${name}`;
      if (!LOCAL_URL.test(url))
        throw new TypeError(`a local control name is 1 to 64 letters, digits, "-" or "_", not ${JSON.stringify(name)}`);
      if (served.has(url)) throw new TypeError(`${url} is already served in this process`);
      served.set(url, handler);
      return {
        url,
        close: async () => {
          if (served.get(url) === handler) served.delete(url);
        },
      };
    },
    client(secret) {
      const remote = createControlClient(secret);
      return {
        call: <T>(baseUrl: string, op: string, payload: unknown, timeoutMs?: number): Promise<T> =>
          LOCAL_URL.test(baseUrl)
            ? (callLocal(baseUrl, op, payload) as Promise<T>)
            : remote.call<T>(baseUrl, op, payload, timeoutMs),
      };
    },
  };
};
