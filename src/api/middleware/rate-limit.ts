import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { RateLimitResult } from "../../rpc/rate-limiter";
import type { Services } from "../../services";
import { ApiError } from "../errors";
import type { AppEnv } from "../hono";

/** Operator requests per principal (API key or user) per window. Generous: an abuse guard. */
export const API_REQUESTS_PER_WINDOW = 1200;
/** Node requests per node per window (a node polls and heartbeats every ~30 s). */
export const NODE_REQUESTS_PER_WINDOW = 300;
/** Window of both limits. */
export const RATE_WINDOW_MS = 60_000;
/**
 * Share of a bucket's limit one isolate may admit from its local token bucket without asking
 * RateLimiterDO. Trade-off: a caller below this rate costs no RPC at all, but those requests are
 * not counted by the DO, so a caller can exceed the limit by up to this share per isolate it
 * reaches (with the defaults, 120 extra requests per minute per isolate). Callers above it pay
 * one RPC per request and are counted exactly.
 */
export const LOCAL_ADMIT_FRACTION = 0.1;
/** Local buckets kept per isolate; the least recently used is dropped beyond this. */
const MAX_LOCAL_BUCKETS = 10_000;

interface LocalBucket {
  tokens: number;
  refilledAt: number;
  /** Set when the DO refused: later requests are refused locally until then, at no RPC cost. */
  blockedUntil: number;
}

/** A limit: requests per window. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** Per-isolate state; survives between requests in one isolate, never shared between them. */
const localBuckets = new Map<string, LocalBucket>();

function localBucket(name: string, capacity: number, now: number): LocalBucket {
  const existing = localBuckets.get(name);
  if (existing) {
    // Re-insert so Map order is least-recently-used first.
    localBuckets.delete(name);
    localBuckets.set(name, existing);
    return existing;
  }
  if (localBuckets.size >= MAX_LOCAL_BUCKETS) {
    const oldest = localBuckets.keys().next();
    if (!oldest.done) {
      localBuckets.delete(oldest.value);
    }
  }
  const created = { tokens: capacity, refilledAt: now, blockedUntil: 0 };
  localBuckets.set(name, created);
  return created;
}

function rateLimited(retryAfterS: number): ApiError {
  return new ApiError("RATE_LIMITED", `Too many requests; retry after ${retryAfterS} s`, {
    headers: { "Retry-After": String(retryAfterS) },
  });
}

/**
 * One check against RateLimiterDO bucket `name` (exact, one RPC). Used directly where every
 * attempt must count (login), and by {@link enforceRateLimit} past the local fast path.
 */
export function hitBucket(
  services: Services,
  name: string,
  rl: RateLimit,
): Promise<RateLimitResult> {
  const stub = services.rateLimiters.get(services.rateLimiters.idFromName(name));
  return stub.hit(rl.limit, rl.windowMs);
}

/**
 * Counts one request against bucket `name`; throws 429 RATE_LIMITED (with Retry-After) when the
 * bucket is exhausted. Costs at most one DO RPC, and none while the local token bucket (refilled
 * at LOCAL_ADMIT_FRACTION of the limit) has tokens or a recent refusal is still in force. If the
 * DO cannot be reached the request is admitted and the failure logged: the limiter guards
 * against abuse and must not take the API down with it.
 */
export async function enforceRateLimit(
  services: Services,
  name: string,
  rl: RateLimit,
): Promise<void> {
  const now = services.clock.now();
  const capacity = Math.max(1, Math.floor(rl.limit * LOCAL_ADMIT_FRACTION));
  const bucket = localBucket(name, capacity, now);
  if (bucket.blockedUntil > now) {
    throw rateLimited(Math.max(1, Math.ceil((bucket.blockedUntil - now) / 1000)));
  }
  const elapsedMs = Math.max(0, now - bucket.refilledAt);
  bucket.tokens = Math.min(capacity, bucket.tokens + (elapsedMs * capacity) / rl.windowMs);
  bucket.refilledAt = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return;
  }
  let result: RateLimitResult;
  try {
    result = await hitBucket(services, name, rl);
  } catch (err) {
    services.logger.error("rate limiter unavailable; admitting request", {
      bucket: name,
      error: String(err),
    });
    return;
  }
  if (!result.allowed) {
    bucket.blockedUntil = now + result.retryAfterS * 1000;
    throw rateLimited(result.retryAfterS);
  }
}

/**
 * Middleware limiting authenticated operators per principal: bucket `key:<id>` for API keys,
 * `user:<id>` for dashboard users. Unauthenticated requests pass (they are answered 401 by the
 * routes, and login has its own stricter limits); node routes are limited by `rateLimitNode`.
 */
export function createRateLimit(rl: RateLimit) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get("principal");
    if (principal) {
      const name =
        principal.kind === "api_key" ? `key:${principal.keyId}` : `user:${principal.userId}`;
      await enforceRateLimit(c.get("services"), name, rl);
    }
    await next();
  });
}

/** The operator rate limit with the default budget. */
export const rateLimit = createRateLimit({
  limit: API_REQUESTS_PER_WINDOW,
  windowMs: RATE_WINDOW_MS,
});

/**
 * Limits one authenticated node (bucket `node:<id>`); throws 429 RATE_LIMITED with Retry-After.
 * Call from node authentication right after the node is identified.
 */
export function rateLimitNode(c: Context<AppEnv>, nodeId: string): Promise<void> {
  return enforceRateLimit(c.get("services"), `node:${nodeId}`, {
    limit: NODE_REQUESTS_PER_WINDOW,
    windowMs: RATE_WINDOW_MS,
  });
}
