/** What `spillway --help` and each `spillway COMMAND --help` print. */

export const globalHelp = (
  version: string,
): string => `spillway ${version} — event-sourced orchestration for live audio rooms

Usage: spillway COMMAND [flags]      (spillway COMMAND --help for its flags)

Commands:
  serve     the engine and its GraphQL API, GraphiQL and the dashboard
  token     prints a development token for a user and roles
  demo      runs a scenario end to end (spillway demo surge)
  replay    rebuilds the read models, or exports a room's events or timeline
  media-node  mediasoup workers on a media host, driven by the API nodes

  spillway --help | --version

Environment:
  SPILLWAY_DATA        folder of the embedded SQLite event store and read models (default ./data)
  SPILLWAY_EVENTS      the SQLite event store file, when several nodes share one
  SPILLWAY_EVENTS_URL  the log in PostgreSQL instead (postgresql://user@host:5432/db?schema=NAME)
  EVENTSTORE_URL       use EventStoreDB/KurrentDB instead (esdb://host:2113?tls=false)
  PORT, HOST           where serve listens (default 4000 on 127.0.0.1)
  SPILLWAY_JWT_SECRET  HS256 secret for tokens (a development secret without it)
  SPILLWAY_JWKS_URL    verify tokens against a JWKS instead
  NODE_ENV=production  (or serve --production) refuse to start without a real secret
                       or JWKS; run only trusted (persisted) documents
  SPILLWAY_CORS_ORIGINS       origins whose browsers may call the API (comma-separated)
  SPILLWAY_INTROSPECTION      on|off (default on; GraphiQL needs it)
  SPILLWAY_TRUSTED_DOCUMENTS  only|also (default: only in production)
  SPILLWAY_ROOM_LIMITS        CAPACITY,OVERFLOW_ROOMS a listener may open (default 5000,10)
  SPILLWAY_QUEUE_CAPACITY     listeners who may wait for a seat in a full family (default 50000; 0: none)
  REDIS_URL            subscriptions across API nodes, and sessions' jobs, through Redis
  SPILLWAY_MEDIA       on (workers in serve), off, or cluster (media nodes on other hosts)
  SPILLWAY_MEDIA_SECRET  signs the control channel between API and media nodes (cluster)
`;

export const COMMAND_HELP = {
  'media-node': `Usage: spillway media-node --api URL [--api URL ...] [--listen IP] [--announce IP]
                          [--node-id ID] [--workers N] [--listeners-per-worker N]
                          [--control-port N] [--audit FILE]

mediasoup workers for a media host (one per core by default), driven by the
API nodes at --api over a control channel signed with SPILLWAY_MEDIA_SECRET
(the API nodes run with SPILLWAY_MEDIA=cluster and the same secret). It
reports its capacity and liveness to every API node; SIGTERM or Ctrl-C
leaves the control plane cleanly.

  --api URL           an API node's base URL, such as http://10.0.0.1:4000; repeat for several
  --listen IP         the host address transports and the control server bind to (default 127.0.0.1)
  --announce IP       the address clients and other nodes are told, behind NAT
  --node-id ID        this node's id in the log (default the host name)
  --workers N         mediasoup workers (default one per core)
  --listeners-per-worker N
                      listeners a worker carries, its capacity's unit (default 600: three speakers each)
  --control-port N    the control server's port (default a free one)
  --audit FILE        appends every control request received to FILE (JSON lines)
`,
  serve: `Usage: spillway serve [--port N] [--host H] [--data DIR] [--events-file FILE | --events-url URL] [--production]

The engine and its GraphQL API (queries, mutations, SSE and WebSocket
subscriptions) at http://HOST:PORT/graphql, GraphiQL at the same URL in a
browser, the dashboard at / and Prometheus metrics at /metrics. SIGTERM or
Ctrl-C stops it cleanly.

  --port N            where to listen (default PORT or 4000; 0 picks a free port)
  --host H            the address to listen on (default HOST or 127.0.0.1)
  --data DIR          the data folder (default SPILLWAY_DATA or ./data)
  --events-file FILE  the SQLite event store, when several nodes share one
  --production        as NODE_ENV=production: a real secret or JWKS, trusted documents only
  --events-url URL    the log in PostgreSQL (default SPILLWAY_EVENTS_URL), as
                      postgresql://user@host:5432/db?schema=NAME

Several nodes on one log divide the room families between them (leases;
see the README): SPILLWAY_INTERNAL_PORT, SPILLWAY_INTERNAL_URL,
SPILLWAY_CLUSTER_SECRET and SPILLWAY_LEASE_MS set how.
`,
  token: `Usage: spillway token --user NAME [--role ROLE ...] [--expires-in 12h] [--data DIR]

Prints a development token, alone on its last line, signed with
SPILLWAY_JWT_SECRET (or the built-in development secret, with a note).

  --user NAME   the user id (letters, digits, "_", ".", "@", "-")
  --role ROLE   listener, producer or analyst; repeat for several (default listener)
  --expires-in  the token's lifetime: 30m, 12h, 7d (default 12h); every token expires
`,
  demo: `Usage: spillway demo SCENARIO [flags]      (spillway demo SCENARIO --help)

Scenarios:
  surge   a famous guest arrives: a scheduled headliner's room fills over the
          API and spills into overflow rooms, with real media
`,
  'demo surge': `Usage: spillway demo surge [--listeners N] [--capacity N] [--speakers N] [--rate N]
                          [--rooms N] [--leave N] [--clients N] [--url URL | --port N]
                          [--out DIR] [--data DIR] [--in-process]

A famous-guest surge end to end: a producer schedules a headliner a few
seconds ahead (prewarm runs), the room opens, the headliner arrives, and the
listeners join over the GraphQL API into a room of the given capacity,
spilling into overflow rooms; speakers send real RTP and a listener in every
room counts it. Writes report.json and report.html.

  --listeners N  how many join (default 20000)
  --capacity N   the main room's seats, and each overflow room's (default 5000)
  --speakers N   on stage, each sending audio (default 3)
  --rate N       joins per second at most (default: as fast as it goes)
  --rooms N      the family has at most N rooms (the main room and N-1 overflow
                 rooms): listeners past its seats wait in its waiting room. The
                 room is then opened directly, without a session (no prewarm)
  --leave N      after the joins, N seated listeners leave: the waiting room drains
                 into their seats, first come first served (default 0)
  --clients N    concurrent HTTP clients (default 256)
  --url URL      drive a running server's API (http://HOST:PORT/graphql) instead
                 of starting one, with tokens signed by the same SPILLWAY_JWT_SECRET;
                 media is then not measured
  --port N       where the demo's own server listens (default: a free port); its
                 log goes to server.log beside the report
  --out DIR      where the report goes (default DATA/demo-TIME)
  --data DIR     the data folder (default SPILLWAY_DATA or ./data)
  --in-process   through the command path in this process: no HTTP, no media
`,
  replay: `Usage: spillway replay [--data DIR]
       spillway replay --events ROOM [--format jsonl|csv] [--until ISO] [--out FILE]
       spillway replay --analytics ROOM [--format csv] [--until ISO] [--out FILE]

With no room: rebuilds every read model from zero, with progress (events/s, ETA).
  --events ROOM     exports the room's raw events (jsonl, the default, or csv)
  --analytics ROOM  exports the room's per-second timeline as csv: listeners,
                    family listeners, joins, leaves
  --until ISO       only what happened up to that time (2026-11-28T21:04:17Z)
  --out FILE        write there instead of standard output
  --data DIR        the data folder (default SPILLWAY_DATA or ./data)
`,
} as const;

export type HelpTopic = keyof typeof COMMAND_HELP;
