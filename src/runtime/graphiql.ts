import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as Bundle from '@graphql-yoga/render-graphiql/graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL that works offline. Yoga's built-in page loads GraphiQL from a
 * CDN, so without internet it is blank; @graphql-yoga/render-graphiql ships
 * the same app (GraphiQL, Monaco and its workers, fonts as data: URLs) as
 * strings. The page is small and names its assets under a versioned path,
 * which this module serves from those strings, so a browser fetches the
 * 9 MB once and caches it; no request leaves the server.
 */
const VERSION = (createRequire(import.meta.url)('@graphql-yoga/render-graphiql/package.json') as { version: string })
  .version;
const BASE = `/graphiql/${VERSION}/`;

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

let loading: Promise<Map<string, Asset>> | undefined;
/** Loaded on first use: the strings take ≈ 20 MB, and most servers never show GraphiQL. */
const assets = (): Promise<Map<string, Asset>> =>
  (loading ??= import('@graphql-yoga/render-graphiql/graphiql').then((bundle: typeof Bundle) => {
    const script = 'text/javascript; charset=utf-8';
    const [faviconHeader, faviconData] = bundle.favicon.split(',', 2);
    return new Map<string, Asset>([
      ['graphiql.js', { type: script, body: Buffer.from(bundle.js) }],
      ['graphiql.css', { type: 'text/css; charset=utf-8', body: Buffer.from(bundle.css) }],
      ['editor.worker.js', { type: script, body: Buffer.from(bundle.editorWorkerService) }],
      ['json.worker.js', { type: script, body: Buffer.from(bundle.jsonWorker) }],
      ['graphql.worker.js', { type: script, body: Buffer.from(bundle.graphqlWorker) }],
      [
        'favicon.ico',
        {
          type: /^data:([^;]+)/.exec(faviconHeader ?? '')?.[1] ?? 'image/x-icon',
          body: Buffer.from(faviconData ?? '', 'base64'),
        },
      ],
    ]);
  }));

/** JSON inside an inline <script>: "</script>" in a string must not end the script. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replaceAll('<', '\\u003c');

/** The page yoga answers a browser's GET /graphql with (its `renderGraphiQL` option). */
export const renderOfflineGraphiQL = (options: GraphiQLOptions = {}): string => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${(options.title ?? 'Spillway GraphiQL').replaceAll('<', '&lt;')}</title>
    <link rel="icon" href="${BASE}favicon.ico" />
    <link rel="stylesheet" href="${BASE}graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script>
      const workers = {
        editorWorkerService: '${BASE}editor.worker.js',
        json: '${BASE}json.worker.js',
        graphql: '${BASE}graphql.worker.js',
      };
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
    </script>
    <script src="${BASE}graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options)});
    </script>
  </body>
</html>
`;

/** Answers GET/HEAD of GraphiQL's assets; false for anything else. */
export const graphiqlAssetRoutes = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = (request.url ?? '/').split(/[?#]/, 1)[0] ?? '/';
  if (!path.startsWith(BASE)) return false;
  const asset = (await assets()).get(path.slice(BASE.length));
  if (!asset) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(`No GraphiQL asset at ${path}.\n`);
    return true;
  }
  response.writeHead(200, {
    'content-type': asset.type,
    'content-length': asset.body.length,
    // The path carries the package's version: what is there never changes.
    'cache-control': 'public, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
  });
  response.end(request.method === 'HEAD' ? undefined : asset.body);
  return true;
};
