import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, type GraphiQLOptions, type Plugin } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { bearerToken, createTokenVerifier, InvalidTokenError, type AuthConfig } from './auth.ts';
import type { ApiContext, ApiServices, Viewer } from './context.ts';
import { useRequestDeadline } from './deadline.ts';
import { DEFAULT_DOCUMENT_LIMITS, type DocumentLimits } from './limits.ts';
import {
  TRUSTED_ONLY,
  withoutHttp,
  useDocumentLimits,
  useErrorStatus,
  useMutationBudget,
  useTrustedDocuments,
} from './plugins.ts';
import { prepareTrustedDocuments } from './trustedDocuments.ts';
import { createTrustedExecution } from './trustedExecution.ts';
import { schema } from './schema/index.ts';
import { useSharedSubscriptionExecution } from './sharedExecution.ts';
import { useSseFeed } from './sseFeed.ts';

export interface ApiServerOptions {
  readonly services: ApiServices;
  readonly auth: AuthConfig;
  readonly host?: string;
  readonly port?: number;
  /** Largest request body accepted, in bytes. Default 64 KiB. */
  readonly maxBodyBytes?: number;
  /** What one document may ask for (defaults: DEFAULT_DOCUMENT_LIMITS). */
  readonly limits?: Partial<DocumentLimits>;
  /** Schema introspection (GraphiQL needs it); default on. */
  readonly introspection?: boolean;
  /** Refuse documents that are not trusted (TRUSTED_DOCUMENTS); default false. */
  readonly trustedDocumentsOnly?: boolean;
  /** Origins whose browsers may call the API (CORS, with credentials); others get no CORS headers. */
  readonly corsOrigins?: readonly string[];
  readonly graphiql?: boolean;
  /** The GraphiQL page; default yoga's, which loads GraphiQL from a CDN. */
  readonly renderGraphiQL?: (options: GraphiQLOptions) => string | Promise<string>;
  /** Queries and mutations not answered within this long get a TIMEOUT error. Default 10,000 ms. */
  readonly requestDeadlineMs?: number;
  /** Where internal errors (masked for clients) are reported. */
  readonly onInternalError?: (error: unknown, requestId: string) => void;
  /** Other routes (dashboard, metrics) tried before GraphQL; true when handled. */
  readonly routes?: (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>;
}

/** What yoga's envelop hands graphql-ws: its own parse, validate (with our limits), execute and subscribe. */
interface Enveloped {
  readonly schema: GraphQLSchema;
  readonly execute: (args: ExecutionArgs) => unknown;
  readonly subscribe: (args: ExecutionArgs) => unknown;
  readonly parse: (source: string) => DocumentNode;
  readonly validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
}

/**
 * The client's X-Request-Id when it is a short token, else a fresh one: it
 * becomes every written event's correlationId, so it may not carry whatever a
 * client puts in a header.
 */
const requestIdFrom = (value: unknown): string =>
  typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,100}$/.test(value) ? value : randomUUID();

/** The whole body (its length was checked already); events rather than an async iterator, which cost more per request. */
const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    request.once('error', reject);
  });

const refuse = (response: ServerResponse, status: number, code: string, message: string): void => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
};

/**
 * The API: graphql-yoga at /graphql (queries, mutations, subscriptions over
 * SSE) and graphql-ws on the same port and path (WebSocket), one schema,
 * one context: a viewer from a verified bearer token, and the services.
 */
export const createApiServer = (options: ApiServerOptions) => {
  const verify = createTokenVerifier(options.auth);
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const viewerFrom = async (authorization: unknown): Promise<Viewer | null> => {
    const token = bearerToken(authorization);
    if (authorization !== undefined && authorization !== null && authorization !== '' && !token) {
      throw new GraphQLError('The Authorization header must be "Bearer <token>".', {
        extensions: { code: 'UNAUTHENTICATED' },
      });
    }
    if (!token) return null;
    try {
      return await verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError)
        throw new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED' } });
      throw error;
    }
  };

  const limits = { ...DEFAULT_DOCUMENT_LIMITS, ...options.limits };
  const trusted = prepareTrustedDocuments(schema, limits);
  const trustedOnly = options.trustedDocumentsOnly ?? false;
  const trustedSources = new Set([...trusted.values()].map((d) => d.source));
  const corsOrigins = new Set(options.corsOrigins ?? []);

  const refusal = (Response: typeof globalThis.Response, status: number, message: string): Response =>
    new Response(JSON.stringify({ errors: [{ message, extensions: { code: 'INVALID_INPUT' } }] }), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  // Yoga answers a body it has no parser for with an empty 415, and lets JSON.parse's SyntaxError for
  // `variables`/`extensions` in a query string (GET, form posts) become a masked INTERNAL error.
  const plainRequestErrors: Plugin = {
    onRequestParse({ request, requestParser, setRequestParser, endResponse, fetchAPI }) {
      if (!requestParser) {
        if (request.method !== 'POST') return;
        const sent = request.headers.get('content-type') ?? 'no content type';
        return endResponse(
          refusal(
            fetchAPI.Response,
            415,
            `A POST body of ${sent} is not GraphQL: send application/json ({"query": "…", "variables": {…}}).`,
          ),
        );
      }
      setRequestParser(async (parsed) => {
        try {
          return await requestParser(parsed);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          return refusal(fetchAPI.Response, 400, `variables and extensions must be JSON objects (${error.message}).`);
        }
      });
    },
  };

  /** Errors with a code (ours, graphql's) go out as they are; anything else is logged and masked. */
  const maskError = (error: unknown, message: string): GraphQLError => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (
      error instanceof GraphQLError &&
      (!original || original instanceof GraphQLError || 'code' in (error.extensions ?? {}))
    ) {
      return error;
    }
    const requestId = randomUUID();
    options.onInternalError?.(original ?? error, requestId);
    return new GraphQLError(`${message} (reference ${requestId})`, { extensions: { code: 'INTERNAL' } });
  };
  const sseFeed = useSseFeed({ maskError });
  const anonymous: ApiContext = { viewer: null, services: options.services, requestId: 'shared-subscription-results' };

  const deadlineMs = options.requestDeadlineMs ?? 10_000;
  const yoga = createYoga<Record<string, never>, ApiContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql ?? true,
    ...(options.renderGraphiQL ? { renderGraphiQL: options.renderGraphiQL } : {}),
    landingPage: false,
    // The listener below refuses a body over maxBodyBytes by its Content-Length and one without a length
    // (411) before yoga sees it; yoga's own limit would copy every body through a counting stream.
    maxRequestBodySize: false,
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin !== null && corsOrigins.has(origin) ? { origin: [origin], credentials: true } : false;
    },
    plugins: [
      useTrustedDocuments(trusted, trustedOnly),
      useDocumentLimits(limits, options.introspection ?? true),
      useMutationBudget(),
      useErrorStatus(),
      plainRequestErrors,
      useRequestDeadline(deadlineMs),
      useSharedSubscriptionExecution(anonymous, sseFeed.onShared),
      sseFeed.plugin,
    ],
    maskedErrors: { maskError },
    context: async ({ request }) => ({
      viewer: await viewerFrom(request.headers.get('authorization') ?? undefined),
      services: options.services,
      requestId: requestIdFrom(request.headers.get('x-request-id')),
    }),
  });
  const trustedExecution = createTrustedExecution({
    schema,
    trusted,
    maskError,
    deadlineMs,
    contextFor: async (request) => ({
      viewer: await viewerFrom(request.headers.authorization),
      services: options.services,
      requestId: requestIdFrom(request.headers['x-request-id']),
    }),
  });
  /** Yoga answers a request whose body was already read (it was no trusted call). */
  const forwardToYoga = async (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const headers = Object.entries(request.headers).flatMap(([name, value]) =>
      typeof value === 'string' ? [[name, value] as [string, string]] : [],
    );
    const reply = await yoga.fetch(
      new URL(request.url ?? '/graphql', `http://${request.headers.host ?? 'localhost'}`),
      {
        method: request.method,
        headers,
        body: body.toString('utf8'),
      },
    );
    const answer = Buffer.from(await reply.arrayBuffer());
    response.writeHead(reply.status, [...reply.headers].flat());
    response.end(answer);
  };

  /** A body refused by its headers alone: too large (413), or streamed without a length (411). */
  const bodyRefusal = (request: IncomingMessage): readonly [number, string] | undefined => {
    const length = Number(request.headers['content-length'] ?? '0');
    if (length > maxBodyBytes) return [413, `The request body is ${length} bytes; the limit is ${maxBodyBytes}.`];
    if (request.method === 'POST' && request.headers['transfer-encoding'] && !request.headers['content-length'])
      return [411, 'Send a Content-Length with the request body.'];
    return undefined;
  };
  // `expectsContinue`: the client waits for "100 Continue" before sending the body; it is sent
  // only once the body is known to be welcome, so a refused one is never uploaded.
  const handle = (request: IncomingMessage, response: ServerResponse, expectsContinue: boolean): void =>
    void (async () => {
      if (options.routes && (await options.routes(request, response))) return;
      const refused = bodyRefusal(request);
      if (refused) return refuse(response, refused[0], 'INVALID_INPUT', refused[1]);
      if (expectsContinue) response.writeContinue();
      if (trustedExecution.mayTake(request)) {
        const body = await readBody(request);
        if (!(await trustedExecution.take(request, response, body))) await forwardToYoga(request, response, body);
        return;
      }
      yoga.requestListener(request, response);
    })().catch((error: unknown) => {
      options.onInternalError?.(error, 'http');
      if (!response.headersSent) refuse(response, 500, 'INTERNAL', 'Something went wrong on our side.');
    });
  const server: Server = createServer((request, response) => handle(request, response, false));
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => handle(request, response, true));

  const sockets = new WebSocketServer({ server, path: '/graphql', maxPayload: maxBodyBytes });
  const wsServer = useServer<Record<string, unknown> | undefined, { viewer?: Viewer | null }>(
    {
      onConnect: async (ctx) => {
        try {
          ctx.extra.viewer = await viewerFrom(
            ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization,
          );
          return true;
        } catch {
          return false;
        }
      },
      execute: (args: ExecutionArgs) =>
        (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args: ExecutionArgs) =>
        (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      // Whatever goes wrong with one operation answers that operation: thrown, it would close the
      // whole socket (4500) and end the client's other subscriptions with it.
      onSubscribe: async (ctx, _id, payload) => {
        try {
          const {
            schema: enveloped,
            execute,
            subscribe,
            parse,
            validate,
          } = yoga.getEnveloped({ request: undefined, params: payload }) as Enveloped;
          if (trustedOnly && !trustedSources.has(payload.query)) {
            return [new GraphQLError(TRUSTED_ONLY, { extensions: { code: 'FORBIDDEN' } })];
          }
          const document = parse(payload.query);
          const errors = validate(enveloped, document);
          if (errors.length > 0) return errors.map(withoutHttp);
          const contextValue: ApiContext = {
            viewer: ctx.extra.viewer ?? null,
            services: options.services,
            requestId: randomUUID(),
          };
          return {
            schema: enveloped,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue,
            rootValue: { execute, subscribe },
          };
        } catch (error) {
          return [withoutHttp(maskError(error, 'The operation could not be started'))];
        }
      },
    },
    sockets,
  );

  return {
    server,
    /** Starts listening; resolves with the URL of the API. */
    listen(): Promise<string> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 4000, options.host ?? '127.0.0.1', () => {
          const address = server.address() as AddressInfo;
          resolve(`http://${address.address}:${address.port}/graphql`);
        });
      });
    },
    /** Stops taking connections and closes the open ones. */
    async close(): Promise<void> {
      await wsServer.dispose();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export type ApiServer = ReturnType<typeof createApiServer>;
