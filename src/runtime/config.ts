import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import {
  DEFAULT_QUEUE_CAPACITY,
  MAX_QUEUE_CAPACITY,
  MAX_SPAWN_WINDOW_MS,
  MIN_SPAWN_WINDOW_MS,
  SPAWN_WINDOW_MS,
} from '../domain/index.ts';
import { DEFAULT_QUEUE_NAME } from '../scheduling/index.ts';

/** Where the log lives: the embedded SQLite file, a PostgreSQL schema, or an EventStoreDB/KurrentDB server. */
export type EventStoreConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'eventstoredb'; readonly url: string };

export interface ApiConfig {
  readonly host: string;
  readonly port: number;
  readonly jwtSecret: string;
  /** True when no SPILLWAY_JWT_SECRET was given and the development secret is in use. */
  readonly developmentSecret: boolean;
  readonly jwksUrl: string | undefined;
  /** NODE_ENV=production or SPILLWAY_PRODUCTION=on: refuses the development secret, trusted documents only. */
  readonly production: boolean;
  /** SPILLWAY_INTROSPECTION (on|off, default on): GraphiQL needs it. */
  readonly introspection: boolean;
  /** SPILLWAY_CORS_ORIGINS: origins whose browsers may call the API (comma-separated; none by default). */
  readonly corsOrigins: readonly string[];
  /** SPILLWAY_TRUSTED_DOCUMENTS (only|also, default: only in production): refuse documents not in the allow-list. */
  readonly trustedDocumentsOnly: boolean;
  /** Rooms bigger than this (SPILLWAY_ROOM_LIMITS=capacity,overflowRooms; default 5000,10) need the producer role. */
  readonly roomLimits: { readonly capacity: number; readonly maxOverflowRooms: number };
  /**
   * How many listeners may wait for a seat in a room family the API opens
   * (SPILLWAY_QUEUE_CAPACITY, default 50,000; 0: no waiting room, a full
   * family refuses with ROOM_FULL). A room keeps the limit it was opened with.
   */
  readonly queueCapacity: number;
}

/** Family ownership across API nodes: where this node takes forwarded commands, and its leases. */
export interface ClusterConfig {
  /** The internal channel listens here (SPILLWAY_INTERNAL_PORT; 0: any free port). */
  readonly internalPort: number;
  /** The address other nodes reach it at (SPILLWAY_INTERNAL_URL); default http://HOST:PORT. */
  readonly internalUrl: string | undefined;
  /** Signs forwards between nodes (SPILLWAY_CLUSTER_SECRET; default derived from the JWT secret). */
  readonly secret: string;
  /** How long a family's lease runs unrenewed (SPILLWAY_LEASE_MS): the takeover time after a node dies. */
  readonly leaseMs: number;
}

export interface SpillwayConfig {
  readonly dataDir: string;
  readonly eventStore: EventStoreConfig;
  /** This node's read models (each API node keeps its own). */
  readonly readModelsFile: string;
  readonly api: ApiConfig;
  readonly cluster: ClusterConfig;
  /** Redis for subscriptions across API nodes and for the scheduler; undefined: in-process. */
  readonly redisUrl: string | undefined;
  /** The BullMQ queue of scheduled sessions (every node of one deployment shares it). */
  readonly schedulerQueue: string;
  /**
   * SPILLWAY_SCHEDULER: `auto` (default: BullMQ when a Redis answers, else
   * timers) or `timers` (this node's in-process timers even when a Redis
   * answers; refused beside REDIS_URL, where every node would run them).
   */
  readonly scheduler: 'auto' | 'timers';
  /**
   * What this deployment's Redis keys (feed stream, leader lease, BullMQ
   * queue) are under. SPILLWAY_NAMESPACE, else derived from where the log
   * is, so the nodes of one deployment agree and two deployments differ.
   */
  readonly namespace: string;
  /**
   * How long after a prewarmed session's doors open its warm rooms nobody sat
   * in drain and close (SPILLWAY_WARM_DRAIN_MS, default 10 minutes). Recorded
   * with each session when it is scheduled.
   */
  readonly warmDrainMs: number;
  /**
   * How far back a family's spawn limit looks (SPILLWAY_SPAWN_WINDOW_MS,
   * default 10 minutes): at most its maxOverflowRooms overflow rooms are
   * spawned within any such window. Recorded with each room it opens.
   */
  readonly spawnWindowMs: number;
  /**
   * How long a busy family's turn waits for more commands before it decides
   * (SPILLWAY_TURN_GATHER_MS): default 5 ms on a networked log (PostgreSQL,
   * EventStoreDB), where every turn is a round trip, a NOTIFY and a read by
   * every node; 0 on SQLite, whose appends are local and cheap.
   */
  readonly turnGatherMs: number;
  /** Room families the command path keeps loaded: let go after `idleMs` without a command, `maxHeld` at most. */
  readonly heldRooms: { readonly idleMs: number; readonly maxHeld: number };
  /** mediasoup workers on this host, or none (SPILLWAY_MEDIA=off). */
  readonly media:
    | { readonly enabled: false }
    | {
        readonly enabled: true;
        readonly listenIp: string;
        readonly announcedAddress: string | undefined;
        readonly workers: number | undefined;
        /** Transports one user may hold in one room family (SPILLWAY_MEDIA_TRANSPORTS_PER_USER, default 4). */
        readonly maxTransportsPerUser: number;
      };
  /** Media on other hosts (SPILLWAY_MEDIA=cluster): `spillway media-node`s signing with this secret. */
  readonly mediaCluster: { readonly secret: string } | undefined;
}

/** Configuration values that are wrong; one line each, naming the setting and what it accepts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

export interface ConfigInput {
  readonly dataDir?: string | undefined;
  readonly eventsFile?: string | undefined;
  readonly eventStoreUrl?: string | undefined;
  /** postgresql://…[?schema=NAME] (--events-url or SPILLWAY_EVENTS_URL). */
  readonly eventsUrl?: string | undefined;
  readonly port?: string | undefined;
  readonly host?: string | undefined;
  /** --production: as NODE_ENV=production. */
  readonly production?: boolean | undefined;
}

/**
 * A deployment's default namespace: a digest of its log's address (an
 * SQLite file is only shared on one host, so its host name counts too).
 */
const deploymentNamespace = (store: EventStoreConfig): string =>
  createHash('sha256')
    .update(store.kind === 'sqlite' ? `sqlite:${hostname()}:${store.file}` : `${store.kind}:${store.url}`)
    .digest('hex')
    .slice(0, 16);

/** A connection URL as it may be printed: its password replaced by ***. */
export const withoutPassword = (url: string): string => url.replace(/^([a-z+]+:\/\/[^:/@\s]*):[^@\s]*@/i, '$1:***@');

/** The secret `serve` and `token` agree on when SPILLWAY_JWT_SECRET is unset. Development only. */
export const DEVELOPMENT_JWT_SECRET = 'spillway-development-secret-do-not-use-in-production';

/**
 * Reads and checks the configuration: flags first, then the environment
 * (SPILLWAY_DATA, SPILLWAY_EVENTS, SPILLWAY_EVENTS_URL, EVENTSTORE_URL, PORT, HOST,
 * SPILLWAY_JWT_SECRET, SPILLWAY_JWKS_URL, REDIS_URL, SPILLWAY_NAMESPACE), then the embedded
 * defaults. Every bad value is reported, not just the first.
 */
export const loadConfig = (input: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): SpillwayConfig => {
  const problems: string[] = [];
  const dataDir = resolve(input.dataDir ?? env.SPILLWAY_DATA ?? 'data');
  const url = input.eventStoreUrl ?? env.EVENTSTORE_URL;
  const eventsFile = input.eventsFile ?? env.SPILLWAY_EVENTS;
  let eventStore: EventStoreConfig = { kind: 'sqlite', file: resolve(eventsFile ?? resolve(dataDir, 'spillway.db')) };
  if (url !== undefined && url !== '') {
    if (!/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\/.+/.test(url)) {
      problems.push(
        `EVENTSTORE_URL "${url}" is not an EventStoreDB connection string: use esdb://host:2113?tls=false or kurrentdb://host:2113.`,
      );
    } else {
      eventStore = { kind: 'eventstoredb', url };
    }
  }
  const eventsUrl = input.eventsUrl ?? env.SPILLWAY_EVENTS_URL;
  if (eventsUrl !== undefined && eventsUrl !== '') {
    if (eventStore.kind === 'eventstoredb') {
      problems.push(
        'SPILLWAY_EVENTS_URL and EVENTSTORE_URL are both set: choose one log (PostgreSQL or EventStoreDB).',
      );
    } else if (!/^postgres(ql)?:\/\/[^\s?]+(\?schema=[a-z_][a-z0-9_]{0,47})?$/.test(eventsUrl)) {
      problems.push(
        `SPILLWAY_EVENTS_URL "${withoutPassword(eventsUrl)}" is not a PostgreSQL URL: use postgresql://user@host:5432/database, optionally ?schema=NAME (lower-case letters, digits, "_"; default spillway).`,
      );
    } else {
      eventStore = { kind: 'postgres', url: eventsUrl };
    }
  }
  const portText = input.port ?? env.PORT ?? '4000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535)
    problems.push(`port "${portText}" must be a whole number from 0 to 65535 (--port or PORT).`);
  const host = input.host ?? env.HOST ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]+$/.test(host))
    problems.push(`host "${host}" is not a host name or IP address (--host or HOST).`);
  const secret = env.SPILLWAY_JWT_SECRET;
  if (secret !== undefined && secret.length < 16) {
    problems.push('SPILLWAY_JWT_SECRET must be at least 16 characters (it signs every token).');
  }
  const jwksUrl = env.SPILLWAY_JWKS_URL || undefined;
  if (jwksUrl !== undefined && !/^https?:\/\/\S+$/.test(jwksUrl))
    problems.push(`SPILLWAY_JWKS_URL "${jwksUrl}" must be an http(s) URL.`);
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(redisUrl)) {
    problems.push(`REDIS_URL "${redisUrl}" must look like redis://127.0.0.1:6379.`);
  }
  const schedulerQueue = env.SPILLWAY_QUEUE ?? DEFAULT_QUEUE_NAME;
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(schedulerQueue)) {
    problems.push(`SPILLWAY_QUEUE "${schedulerQueue}" must be 1 to 100 letters, digits, "-" or "_".`);
  }
  const scheduler = env.SPILLWAY_SCHEDULER || 'auto';
  if (scheduler !== 'auto' && scheduler !== 'timers') {
    problems.push(`SPILLWAY_SCHEDULER "${scheduler}" must be auto or timers.`);
  } else if (scheduler === 'timers' && redisUrl !== undefined) {
    problems.push(
      'SPILLWAY_SCHEDULER=timers runs sessions on this node alone, but REDIS_URL is set (several nodes would each run them): unset one.',
    );
  }
  const namespace = env.SPILLWAY_NAMESPACE || deploymentNamespace(eventStore);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(namespace))
    problems.push(`SPILLWAY_NAMESPACE "${namespace}" must be 1 to 64 letters, digits, "-" or "_".`);
  const wholeFrom = (name: string, fallback: number, min: number, max: number): number => {
    const text = env[name];
    const n = text === undefined || text === '' ? fallback : Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      problems.push(`${name} "${text}" must be a whole number from ${min} to ${max}.`);
    return n;
  };
  const heldRooms = {
    idleMs: wholeFrom('SPILLWAY_ROOM_IDLE_SECONDS', 300, 1, 86_400) * 1000,
    maxHeld: wholeFrom('SPILLWAY_ROOMS_HELD', 10_000, 10, 10_000_000),
  };
  const warmDrainMs = wholeFrom('SPILLWAY_WARM_DRAIN_MS', 600_000, 0, 86_400_000);
  const spawnWindowMs = wholeFrom(
    'SPILLWAY_SPAWN_WINDOW_MS',
    SPAWN_WINDOW_MS,
    MIN_SPAWN_WINDOW_MS,
    MAX_SPAWN_WINDOW_MS,
  );
  const turnGatherMs = wholeFrom('SPILLWAY_TURN_GATHER_MS', eventStore.kind === 'sqlite' ? 0 : 5, 0, 1000);
  const mediaSwitch = env.SPILLWAY_MEDIA ?? 'on';
  if (mediaSwitch !== 'on' && mediaSwitch !== 'off' && mediaSwitch !== 'cluster')
    problems.push(`SPILLWAY_MEDIA "${mediaSwitch}" must be on, off or cluster.`);
  const mediaSecret = env.SPILLWAY_MEDIA_SECRET;
  if ((mediaSwitch === 'cluster' || mediaSecret !== undefined) && (mediaSecret ?? '').length < 16)
    problems.push('SPILLWAY_MEDIA_SECRET must be at least 16 characters (it signs every request to media nodes).');
  const listenIp = env.SPILLWAY_MEDIA_IP ?? '127.0.0.1';
  if (!/^[0-9a-fA-F.:]+$/.test(listenIp))
    problems.push(`SPILLWAY_MEDIA_IP "${listenIp}" must be an IP address (0.0.0.0 to listen on all).`);
  const workersText = env.SPILLWAY_MEDIA_WORKERS;
  const workers = workersText === undefined ? undefined : Number(workersText);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64)) {
    problems.push(`SPILLWAY_MEDIA_WORKERS "${workersText}" must be a whole number from 1 to 64.`);
  }
  const api = apiSettings(input, env, problems);
  const perUserText = env.SPILLWAY_MEDIA_TRANSPORTS_PER_USER ?? '4';
  const maxTransportsPerUser = Number(perUserText);
  if (!/^\d+$/.test(perUserText) || maxTransportsPerUser < 1 || maxTransportsPerUser > 64) {
    problems.push(`SPILLWAY_MEDIA_TRANSPORTS_PER_USER "${perUserText}" must be a whole number from 1 to 64.`);
  }
  const internalPortText = env.SPILLWAY_INTERNAL_PORT ?? '0';
  const internalPort = Number(internalPortText);
  if (!/^\d+$/.test(internalPortText) || internalPort > 65_535)
    problems.push(`SPILLWAY_INTERNAL_PORT "${internalPortText}" must be a whole number from 0 to 65535.`);
  const internalUrl = env.SPILLWAY_INTERNAL_URL || undefined;
  if (internalUrl !== undefined && !/^http:\/\/[^\s/]+$/.test(internalUrl))
    problems.push(
      `SPILLWAY_INTERNAL_URL "${internalUrl}" must be http://HOST:PORT (no path), as other nodes reach this one.`,
    );
  const clusterSecret = env.SPILLWAY_CLUSTER_SECRET;
  if (clusterSecret !== undefined && clusterSecret.length < 16)
    problems.push('SPILLWAY_CLUSTER_SECRET must be at least 16 characters (it signs commands between nodes).');
  const leaseText = env.SPILLWAY_LEASE_MS ?? '3000';
  const leaseMs = Number(leaseText);
  if (!Number.isInteger(leaseMs) || leaseMs < 300 || leaseMs > 60_000)
    problems.push(`SPILLWAY_LEASE_MS "${leaseText}" must be a whole number of milliseconds from 300 to 60000.`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    schedulerQueue,
    scheduler: scheduler === 'timers' ? 'timers' : 'auto',
    namespace,
    heldRooms,
    warmDrainMs,
    spawnWindowMs,
    turnGatherMs,
    mediaCluster: mediaSwitch === 'cluster' ? { secret: mediaSecret! } : undefined,
    media:
      mediaSwitch !== 'on'
        ? { enabled: false }
        : {
            enabled: true,
            listenIp,
            announcedAddress: env.SPILLWAY_MEDIA_ANNOUNCED_IP || undefined,
            workers,
            maxTransportsPerUser,
          },
    dataDir,
    eventStore,
    readModelsFile: resolve(dataDir, 'read-models.db'),
    api: {
      host,
      port,
      jwtSecret: secret ?? DEVELOPMENT_JWT_SECRET,
      developmentSecret: secret === undefined,
      jwksUrl,
      ...api,
    },
    redisUrl,
    cluster: {
      internalPort,
      internalUrl,
      secret:
        clusterSecret ??
        createHash('sha256')
          .update(`spillway-cluster:${secret ?? DEVELOPMENT_JWT_SECRET}`)
          .digest('hex'),
      leaseMs,
    },
  };
};

const onOff = (name: string, value: string | undefined, fallback: boolean, problems: string[]): boolean => {
  if (value === undefined || value === '') return fallback;
  if (value === 'on' || value === 'off') return value === 'on';
  problems.push(`${name} "${value}" must be on or off.`);
  return fallback;
};

/** The API's security settings; production refuses to start on the development secret. */
const apiSettings = (input: ConfigInput, env: NodeJS.ProcessEnv, problems: string[]) => {
  const production = input.production === true || env.NODE_ENV === 'production' || env.SPILLWAY_PRODUCTION === 'on';
  const secret = env.SPILLWAY_JWT_SECRET;
  if (
    production &&
    !env.SPILLWAY_JWKS_URL &&
    (secret === undefined || secret === DEVELOPMENT_JWT_SECRET || secret.length < 16)
  ) {
    problems.push(
      'production mode needs SPILLWAY_JWT_SECRET (at least 16 characters, not the development secret) or SPILLWAY_JWKS_URL.',
    );
  }
  const corsOrigins = (env.SPILLWAY_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      problems.push(`SPILLWAY_CORS_ORIGINS: "${origin}" must be an origin such as https://app.example.com.`);
  }
  const trusted = env.SPILLWAY_TRUSTED_DOCUMENTS ?? (production ? 'only' : 'also');
  if (trusted !== 'only' && trusted !== 'also')
    problems.push(`SPILLWAY_TRUSTED_DOCUMENTS "${trusted}" must be only or also.`);
  const limitsText = env.SPILLWAY_ROOM_LIMITS ?? '5000,10';
  const [capacity, maxOverflowRooms] = limitsText.split(',').map(Number);
  if (
    !/^\d+,\d+$/.test(limitsText) ||
    !Number.isInteger(capacity) ||
    !Number.isInteger(maxOverflowRooms) ||
    capacity! < 1
  ) {
    problems.push(`SPILLWAY_ROOM_LIMITS "${limitsText}" must be CAPACITY,OVERFLOW_ROOMS, such as 5000,10.`);
  }
  const queueText = env.SPILLWAY_QUEUE_CAPACITY ?? String(DEFAULT_QUEUE_CAPACITY);
  const queueCapacity = Number(queueText);
  if (!/^\d{1,7}$/.test(queueText) || queueCapacity > MAX_QUEUE_CAPACITY) {
    problems.push(
      `SPILLWAY_QUEUE_CAPACITY "${queueText}" must be a whole number of listeners from 0 (no waiting room) to ${MAX_QUEUE_CAPACITY}.`,
    );
  }
  return {
    production,
    introspection: onOff('SPILLWAY_INTROSPECTION', env.SPILLWAY_INTROSPECTION, true, problems),
    corsOrigins,
    trustedDocumentsOnly: trusted === 'only',
    roomLimits: { capacity: capacity ?? 5000, maxOverflowRooms: maxOverflowRooms ?? 10 },
    queueCapacity: Number.isInteger(queueCapacity) ? queueCapacity : DEFAULT_QUEUE_CAPACITY,
  };
};
