/** The RPC contract of RateLimiterDO (binding `RATE_LIMITER`, one object per bucket). */

/** Outcome of one rate-limit check. */
export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retryAfterS: number;
}

/** The RPC surface of RateLimiterDO. */
export interface RateLimiterRpc extends Rpc.DurableObjectBranded {
  /** Records one request at `now` if fewer than `limit` happened in the last `windowMs`. */
  hit(limit: number, windowMs: number, now?: number): RateLimitResult;
  /** Forgets the bucket (e.g. after a successful login). */
  reset(): void;
}
