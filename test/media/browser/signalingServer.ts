// A small test server of the media functions: the signaling as JSON POST
// endpoints plus the page and its mediasoup-client bundle. The API issue moves
// the same calls onto GraphQL mutations.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MediaError, type MediaPlane } from '../../../src/media/index.ts';

type Body = Record<string, unknown>;
type Arg<K extends keyof MediaPlane> = MediaPlane[K] extends (arg: infer A, ...rest: never[]) => unknown ? A : never;

// The plane validates every argument itself (TypeError on malformed input), so the casts here only name the shape.
const calls = (plane: MediaPlane): Record<string, (body: Body) => unknown> => ({
  routerRtpCapabilities: (b) => plane.routerRtpCapabilities(b.roomId as string),
  createWebRtcTransport: (b) => plane.createWebRtcTransport(b.caller as Arg<'createWebRtcTransport'>),
  connectTransport: (b) => plane.connectTransport(b as Arg<'connectTransport'>).then(() => ({})),
  produce: (b) => plane.produce(b as Arg<'produce'>),
  consumeSpeakers: (b) => plane.consumeSpeakers(b as Arg<'consumeSpeakers'>),
  resumeConsumer: (b) => plane.resumeConsumer(b as Arg<'resumeConsumer'>).then(() => ({})),
});

const statusOf = (error: unknown): number => {
  if (error instanceof TypeError) return 400;
  if (error instanceof MediaError) return error.code === 'MEDIA_FORBIDDEN' ? 403 : 404;
  return 500;
};

/** Serves `room.html`, `/mediasoup-client.js` from `bundleDir`, and `/rpc/<function>`; resolves with its base URL. */
export const startSignalingServer = async (
  plane: MediaPlane,
  bundleDir: string,
): Promise<{ url: string; server: Server }> => {
  const page = readFileSync(new URL('./room.html', import.meta.url));
  const bundle = readFileSync(join(bundleDir, 'mediasoup-client.js'));
  const rpc = calls(plane);
  const server = createServer((req, res) => {
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/room.html') return send(200, 'text/html', page);
    if (req.method === 'GET' && path === '/mediasoup-client.js') return send(200, 'text/javascript', bundle);
    const call = req.method === 'POST' && path.startsWith('/rpc/') ? rpc[path.slice(5)] : undefined;
    if (!call)
      return send(404, 'application/json', JSON.stringify({ code: 'NOT_FOUND', message: `no ${req.method} ${path}` }));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      Promise.resolve()
        .then(() => call(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body))
        .then(
          (result) => send(200, 'application/json', JSON.stringify(result ?? {})),
          (error: unknown) => {
            const e = error instanceof Error ? error : new Error(String(error));
            const code = e instanceof MediaError ? e.code : e.name;
            send(statusOf(e), 'application/json', JSON.stringify({ code, message: e.message }));
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
};
