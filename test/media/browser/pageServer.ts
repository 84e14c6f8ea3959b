// Serves the test page and its mediasoup-client bundle; the page signals
// through the GraphQL API on another origin (allowed by SPILLWAY_CORS_ORIGINS).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Serves `/room.html` and `/mediasoup-client.js` from `bundleDir`; resolves with its base URL. */
export const startPageServer = async (bundleDir: string): Promise<{ url: string; server: Server }> => {
  const files: Record<string, { type: string; body: Buffer }> = {
    '/room.html': { type: 'text/html', body: readFileSync(new URL('./room.html', import.meta.url)) },
    '/mediasoup-client.js': { type: 'text/javascript', body: readFileSync(join(bundleDir, 'mediasoup-client.js')) },
  };
  const server = createServer((req, res) => {
    const file = req.method === 'GET' ? files[new URL(req.url ?? '/', 'http://localhost').pathname] : undefined;
    res.writeHead(file ? 200 : 404, { 'content-type': file?.type ?? 'text/plain' });
    res.end(file?.body ?? `no ${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
};
