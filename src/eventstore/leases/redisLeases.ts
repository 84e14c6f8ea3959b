import { Redis } from 'ioredis';
import { EventStoreUnavailableError } from '../errors.ts';
import type { LeaseHolder, LeaseStore } from './types.ts';

/*
 * Each lease is a hash that expires by itself (PEXPIRE); its epoch is kept in
 * a key of its own that does not expire, so a lease that lapsed and is taken
 * again still moves the epoch on. Each script runs atomically in Redis, so of
 * nodes racing for one free lease exactly one gets it, and expiry is Redis's
 * clock alone.
 */
const ACQUIRE = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner == false or owner == ARGV[1] then
  if owner == false then redis.call('INCR', KEYS[2]) end
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'address', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('SADD', KEYS[3], ARGV[4])
end
local holder = redis.call('HMGET', KEYS[1], 'owner', 'address')
return { holder[1], holder[2], redis.call('GET', KEYS[2]), redis.call('PTTL', KEYS[1]) }`;

const RENEW = `
local kept = {}
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('HGET', ARGV[3] .. key, 'owner') == ARGV[1] then
    redis.call('PEXPIRE', ARGV[3] .. key, ARGV[2])
    table.insert(kept, key)
  else
    redis.call('SREM', KEYS[1], key)
  end
end
return kept`;

const RELEASE = `
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('HGET', ARGV[2] .. key, 'owner') == ARGV[1] then redis.call('DEL', ARGV[2] .. key) end
end
redis.call('DEL', KEYS[1])
return 1`;

/**
 * Leases on Redis, for a log that has no table of its own for them
 * (EventStoreDB). Every key starts with `prefix`, one per deployment.
 */
export const createRedisLeaseStore = (url: string, prefix: string): LeaseStore => {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, enableOfflineQueue: true });
  redis.on('error', () => undefined);
  const lease = `${prefix}lease:`;
  const nodeKey = (id: string) => `${prefix}node:${id}`;
  const call = async <T>(script: string, keys: string[], args: Array<string | number>): Promise<T> => {
    try {
      return (await redis.eval(script, keys.length, ...keys, ...args)) as T;
    } catch (error) {
      throw new EventStoreUnavailableError(
        `Redis at ${url} did not answer for the leases: ${(error as Error).message}.`,
        {
          cause: error,
        },
      );
    }
  };
  return {
    async acquire(key, node, ttlMs) {
      const [owner, address, epoch, ttl] = await call<[string, string, string, number]>(
        ACQUIRE,
        [`${lease}${key}`, `${prefix}epoch:${key}`, nodeKey(node.id)],
        [node.id, node.address, ttlMs, key],
      );
      const holder: LeaseHolder = { owner, address, epoch: BigInt(epoch), remainingMs: Math.max(0, Number(ttl)) };
      return holder;
    },
    async renew(nodeId, ttlMs) {
      return call<string[]>(RENEW, [nodeKey(nodeId)], [nodeId, ttlMs, lease]);
    },
    async release(nodeId) {
      await call(RELEASE, [nodeKey(nodeId)], [nodeId, lease]);
    },
    async close() {
      redis.disconnect();
    },
  };
};
