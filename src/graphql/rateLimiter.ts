export interface RateLimiter {
  /** Takes `count` tokens (default 1) for `key`, all or none; false when its bucket has fewer. */
  take(key: string, count?: number): boolean;
}

/** A token bucket per user: `burst` at once, refilled at `perSecond`. */
export const createRateLimiter = (perSecond: number, burst: number): RateLimiter => {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, count = 1) {
      const now = performance.now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: now };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens < count) return false;
      bucket.tokens -= count;
      return true;
    },
  };
};
