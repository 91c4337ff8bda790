import { DurableObject } from "cloudflare:workers";
import type { Env } from "../src/env";
import type { RateLimiterRpc, RateLimitResult } from "../src/rpc/rate-limiter";

/**
 * Sliding-window-log limiter, one instance per bucket (API key, node, login email+IP).
 * Counts live in memory: losing them on eviction only forgives some requests, which is the
 * right failure direction for a limiter, and keeps every check free of storage writes.
 */
export class RateLimiterDO extends DurableObject<Env> implements RateLimiterRpc {
  private hits: number[] = [];

  /** Records one request at `now` if fewer than `limit` happened in the last `windowMs`. */
  hit(limit: number, windowMs: number, now: number = Date.now()): RateLimitResult {
    const windowStart = now - windowMs;
    // Timestamps arrive in order, so expired ones are a prefix.
    let expired = 0;
    while (expired < this.hits.length && (this.hits[expired] ?? 0) <= windowStart) {
      expired++;
    }
    if (expired > 0) {
      this.hits.splice(0, expired);
    }
    if (this.hits.length >= limit) {
      const oldest = this.hits[0] ?? now;
      return {
        allowed: false,
        remaining: 0,
        retryAfterS: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)),
      };
    }
    this.hits.push(now);
    return { allowed: true, remaining: limit - this.hits.length, retryAfterS: 0 };
  }

  /** Forgets the bucket (e.g. after a successful login). */
  reset(): void {
    this.hits = [];
  }
}
