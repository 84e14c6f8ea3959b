import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { dashboardRoutes } from './dashboard.ts';
import { graphiqlAssetRoutes } from './graphiql.ts';
import type { Metrics } from './metrics.ts';

/**
 * The operator's side of the HTTP server: the dashboard, GraphiQL's assets and `/metrics`, and
 * one access-log line per request (answered by the API or by these routes).
 * Answers true when it handled the request.
 */
export const operatorRoutes =
  (logger: Logger, metrics: Metrics) =>
  async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const started = performance.now();
    const requestId = request.headers['x-request-id'] ?? randomUUID();
    response.once('finish', () =>
      logger.info(
        {
          requestId,
          method: request.method,
          url: request.url,
          status: response.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      ),
    );
    if (dashboardRoutes(request, response) || (await graphiqlAssetRoutes(request, response))) return true;
    if (request.method === 'GET' && request.url === '/metrics') {
      const { contentType, body } = await metrics.render();
      response.writeHead(200, { 'content-type': contentType });
      response.end(body);
      return true;
    }
    return false;
  };
