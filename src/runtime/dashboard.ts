import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The live dashboard: static files from ./dashboard/ (hand-written HTML, CSS
 * and an inline module script; no build step, no bundle). The page talks to
 * the public API only: the `rooms` query and the `directory` subscription over
 * SSE, plus `sessions` and `roomAnalytics` when the viewer pastes a token.
 */
const ASSETS: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

const folder = new URL('./dashboard/', import.meta.url);
const cache = new Map<string, Buffer>();

const read = (file: string): Buffer => {
  let body = cache.get(file);
  if (!body) {
    body = readFileSync(new URL(file, folder));
    cache.set(file, body);
  }
  return body;
};

/** Answers GET/HEAD of the dashboard's page and assets; false for anything else (GraphQL, /metrics). */
export const dashboardRoutes = (request: IncomingMessage, response: ServerResponse): boolean => {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = (request.url ?? '/').split(/[?#]/, 1)[0] ?? '/';
  const asset = ASSETS[path];
  if (!asset) return false;
  let body: Buffer;
  try {
    body = read(asset.file);
  } catch (error) {
    response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(`The dashboard's ${asset.file} is missing next to ${folder.pathname} (${String(error)}).\n`);
    return true;
  }
  response.writeHead(200, {
    'content-type': asset.type,
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
  return true;
};
