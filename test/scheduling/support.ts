import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  createRoomCommands,
  createSessionCommands,
  type RoomCommands,
  type SessionCommands,
} from '../../src/commands/index.ts';
import { toRoomEvent } from '../support/roomStreams.ts';
import {
  isSessionEvent,
  roomStatus,
  roomStreamId,
  sessionStreamId,
  type RoomEvent,
  type SessionEvent,
} from '../../src/domain/index.ts';
import {
  createInMemorySnapshotStore,
  createSqliteEventStore,
  StreamNotFoundError,
  type EventStore,
  type RecordedEvent,
} from '../../src/eventstore/index.ts';
import {
  createSessionJobHandlers,
  createSessionService,
  type SessionJobHandlers,
  type SessionScheduler,
  type SessionService,
} from '../../src/scheduling/index.ts';
import { deleteKeys } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Fails loudly when Redis is not there: CI starts one, and a Redis test that
 * skips itself proves nothing.
 */
export const requireRedis = async (): Promise<Redis> => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`These tests need the real Redis at ${REDIS_URL} (CI starts one); it did not answer.`, {
      cause: error,
    });
  }
  return redis;
};

const usedPrefixes = new Set<string>();

/** A BullMQ key prefix of its own, so tests never share a queue, and a way to wipe it (a FLUSHALL of just this test). */
export const uniqueQueue = (label: string) => {
  const prefix = `spillway-test-${randomUUID().slice(0, 8)}`;
  usedPrefixes.add(prefix);
  return { queueName: `sessions-${label}`, prefix };
};

/**
 * Wipes every prefix this test file used, then lets go of Redis. After the
 * per-test wipes, because a closed queue's last metadata write can land late.
 */
export const releaseRedis = async (redis: Redis): Promise<void> => {
  for (const prefix of usedPrefixes) await wipePrefix(redis, prefix);
  redis.disconnect();
};

export const wipePrefix = (redis: Redis, prefix: string): Promise<number> => deleteKeys(redis, `${prefix}:*`);

export interface Warmed {
  readonly roomId: string;
  readonly expectedAudience: number;
  /** Whether the room was live when warmed (it is: prewarm opens it, doors closed). */
  readonly roomWasLive: boolean;
  /** Whether its doors were open then (they must not be: nobody is admitted before the session starts). */
  readonly doorsOpen: boolean;
  readonly at: number;
}

/** An event store on a temp SQLite file, the session and room command paths, and job handlers over them. */
export interface Bench {
  readonly file: string;
  readonly store: EventStore;
  readonly sessions: SessionCommands;
  readonly rooms: RoomCommands;
  readonly handlers: SessionJobHandlers;
  readonly warmed: Warmed[];
  /** Makes the warm hook throw this (null: succeed). */
  warmFails: Error | null;
  /** The producer's service; with `drainAfterMs`, its sessions have a drain step. */
  service(scheduler: SessionScheduler, drainAfterMs?: number): SessionService;
  sessionEvents(sessionId: string): Promise<Array<RecordedEvent & SessionEvent>>;
  roomEvents(roomId: string): Promise<RoomEvent[]>;
  close(): Promise<void>;
}

export const openBench = (label: string): Bench => {
  const temp = makeTempDir(label);
  const file = join(temp.path, 'spillway.db');
  const store = createSqliteEventStore(file);
  const sessions = createSessionCommands(store);
  const rooms = createRoomCommands(store, createInMemorySnapshotStore());
  const warmed: Warmed[] = [];
  const bench: Bench = {
    file,
    store,
    sessions,
    rooms,
    warmed,
    warmFails: null,
    handlers: createSessionJobHandlers({
      sessions,
      rooms,
      warm: async (roomId, expectedAudience) => {
        if (bench.warmFails) throw bench.warmFails;
        const room = await rooms.load(roomId);
        warmed.push({
          roomId,
          expectedAudience,
          roomWasLive: roomStatus(room.state) === 'live',
          doorsOpen: room.state.snapshot.context.doorsOpen,
          at: Date.now(),
        });
      },
    }),
    service: (scheduler, drainAfterMs) =>
      createSessionService({ sessions, scheduler, rooms, ...(drainAfterMs === undefined ? {} : { drainAfterMs }) }),
    async sessionEvents(sessionId) {
      return (await readOrEmpty(store, sessionStreamId(sessionId))).filter((e): e is RecordedEvent & SessionEvent =>
        isSessionEvent(e),
      );
    },
    async roomEvents(roomId) {
      return (await readOrEmpty(store, roomStreamId(roomId))).map(toRoomEvent);
    },
    async close() {
      await rooms.close();
      await store.close();
      temp.remove();
    },
  };
  return bench;
};

const readOrEmpty = async (store: EventStore, streamId: string): Promise<RecordedEvent[]> => {
  try {
    return await store.readStream(streamId);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
};

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs` saying what it waited for. */
export const eventually = async <T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(50);
  }
};

/** A session for room `roomId` starting `inMs` from now, warmed `leadTimeMs` ahead. */
export const sessionInput = (sessionId: string, roomId: string, inMs: number, leadTimeMs: number) => ({
  data: {
    sessionId,
    roomId,
    title: `Session ${sessionId}`,
    startsAt: new Date(Date.now() + inMs).toISOString(),
    headlinerUserId: 'star',
    expectedAudience: 12_000,
    leadTimeMs,
    capacity: 5000,
  },
  metadata: { actor: 'producer', at: new Date().toISOString() },
});

/** What a prewarm of `sessionInput`'s 12,000 for rooms of 5,000 records: the room, doors closed, and two overflow rooms. */
export const WARM_FAMILY = ['RoomOpened', 'OverflowRoomSpawned', 'OverflowRoomSpawned'];

export const types = (events: ReadonlyArray<{ type: string }>): string[] => events.map((e) => e.type);

export const occurredMs = (event: RecordedEvent): number => Date.parse(String(event.metadata.occurredAt));
