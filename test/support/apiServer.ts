import { pino } from 'pino';
import {
  loadConfig,
  serve,
  signToken,
  type Role,
  type RunningServer,
  type ServeOptions,
} from '../../src/runtime/index.ts';
import { serverNamespace } from './serverNamespace.ts';
import { makeTempDir } from './tempDir.ts';

/** The HS256 secret every in-process test server is started with. */
export const TEST_SECRET = 'test-secret-at-least-16-chars';

export interface GraphQLErrorBody {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string; readonly [key: string]: unknown };
}

/** What came back over HTTP: the status and the GraphQL response body. */
export interface GraphQLReply<T> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: readonly GraphQLErrorBody[];
}

export interface RequestOptions {
  readonly variables?: Record<string, unknown>;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** A GraphQL reply that carried errors where data was expected. */
export class GraphQLReplyError extends Error {
  override readonly name = 'GraphQLReplyError';
  constructor(readonly errors: readonly GraphQLErrorBody[]) {
    super(errors.map((e) => `${e.extensions?.code ?? '?'}: ${e.message}`).join('; '));
  }
}

export interface TestApi {
  readonly url: string;
  readonly server: RunningServer;
  /** A token for `userId` with `roles`, signed with the server's secret. */
  token(userId: string, ...roles: Role[]): Promise<string>;
  /** POSTs a GraphQL document as JSON. */
  request<T = Record<string, unknown>>(query: string, options?: RequestOptions): Promise<GraphQLReply<T>>;
  /** The same, but the data: an error reply throws `GraphQLReplyError`. */
  data<T = Record<string, unknown>>(query: string, options?: RequestOptions): Promise<T>;
  /** The log's head position: unchanged means nothing was written. */
  head(): Promise<bigint>;
  stop(): Promise<void>;
}

/** POSTs `query` to a GraphQL endpoint as JSON, with an optional bearer token. */
export const postGraphQL = async <T>(url: string, query: string, options: RequestOptions = {}) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const body = (await response.json()) as Omit<GraphQLReply<T>, 'status'>;
  return { status: response.status, ...body };
};

/**
 * `spillway serve` in this process: its own data folder, an ephemeral port on
 * 127.0.0.1, the test secret, no REDIS_URL (the in-process feed), no media
 * workers, a scheduler queue of its own, and only warnings logged; `extraEnv` adds settings.
 */
export const startApi = async (
  label: string,
  options: ServeOptions = {},
  /** More settings, e.g. SPILLWAY_MEDIA=cluster, or SPILLWAY_EVENTS_URL for a PostgreSQL log. */
  extraEnv: Record<string, string> = {},
  /** A data folder of the caller's (a restart on the same log): used as it is, and left for the caller to remove. */
  dataDir?: string,
): Promise<TestApi> => {
  const dir = dataDir === undefined ? makeTempDir(label) : { path: dataDir, remove: () => undefined };
  const namespace = serverNamespace(label);
  const env = {
    SPILLWAY_JWT_SECRET: TEST_SECRET,
    SPILLWAY_MEDIA: 'off',
    ...namespace.env,
    ...extraEnv,
  };
  const config = loadConfig({ dataDir: dir.path, port: '0', host: '127.0.0.1' }, env);
  const server = await serve(config, { logger: pino({ level: 'warn' }), ...options });
  const request = <T>(query: string, requestOptions: RequestOptions = {}) =>
    postGraphQL<T>(server.url, query, requestOptions);
  return {
    url: server.url,
    server,
    token: (userId, ...roles) => signToken(TEST_SECRET, userId, roles),
    request,
    async data<T>(query: string, requestOptions?: RequestOptions): Promise<T> {
      const reply = await request<T>(query, requestOptions);
      if (reply.errors && reply.errors.length > 0) throw new GraphQLReplyError(reply.errors);
      if (reply.data === undefined || reply.data === null) throw new Error(`No data (HTTP ${reply.status}).`);
      return reply.data;
    },
    head: () => server.engine.store.headPosition(),
    async stop() {
      await server.stop();
      dir.remove();
      await namespace.remove();
    },
  };
};
