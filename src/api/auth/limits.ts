/**
 * Brute-force limits on password and second-factor checks, counted exactly in RateLimiterDO
 * (no local fast path: every attempt must count). They fail closed: if the limiter cannot be
 * reached, credentials are not checked at all (503), since unthrottled guessing is the worse
 * outcome and API keys keep working meanwhile.
 */
import type { Services } from "../../services";
import { ApiError } from "../errors";
import { hitBucket, type RateLimit } from "../middleware/rate-limit";

const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;

/** Password attempts per email address. Forgiven after a correct password. */
export const LOGIN_LIMIT_PER_EMAIL: RateLimit = { limit: 10, windowMs: FIFTEEN_MINUTES_MS };
/**
 * Password attempts per client IP, across emails (credential stuffing). Higher than per email
 * because an office or carrier NAT puts many people behind one address.
 */
export const LOGIN_LIMIT_PER_IP: RateLimit = { limit: 50, windowMs: FIFTEEN_MINUTES_MS };
/** TOTP / recovery-code / re-authentication attempts per user. */
export const SECOND_FACTOR_LIMIT_PER_USER: RateLimit = { limit: 10, windowMs: FIFTEEN_MINUTES_MS };

const emailBucket = (email: string) => `login:email:${email}`;

async function check(services: Services, buckets: Array<[string, RateLimit]>): Promise<void> {
  let results: Array<{ allowed: boolean; retryAfterS: number }>;
  try {
    results = await Promise.all(buckets.map(([name, rl]) => hitBucket(services, name, rl)));
  } catch (err) {
    services.logger.error("login rate limiter unavailable", { error: String(err) });
    throw new ApiError("UNAVAILABLE", "Sign-in is temporarily unavailable; retry shortly");
  }
  const refused = results.filter((r) => !r.allowed);
  if (refused.length > 0) {
    const retryAfterS = Math.max(...refused.map((r) => r.retryAfterS));
    throw new ApiError("RATE_LIMITED", `Too many sign-in attempts; retry after ${retryAfterS} s`, {
      headers: { "Retry-After": String(retryAfterS) },
    });
  }
}

/** Counts one password attempt for this email and IP; 429 when either is exhausted. */
export function limitLoginAttempt(
  services: Services,
  email: string,
  ip: string | null,
): Promise<void> {
  return check(services, [
    [emailBucket(email), LOGIN_LIMIT_PER_EMAIL],
    [`login:ip:${ip ?? "unknown"}`, LOGIN_LIMIT_PER_IP],
  ]);
}

/** Forgets failed attempts for an email after its correct password (the IP count stays). */
export async function forgiveLoginEmail(services: Services, email: string): Promise<void> {
  const stub = services.rateLimiters.get(services.rateLimiters.idFromName(emailBucket(email)));
  try {
    await stub.reset();
  } catch (err) {
    // Not resetting only leaves the earlier failures counted until they age out.
    services.logger.warn("could not reset login limiter", { error: String(err) });
  }
}

/** Counts one second-factor (or re-authentication) attempt for a user. */
export function limitSecondFactorAttempt(services: Services, userId: string): Promise<void> {
  return check(services, [[`totp:${userId}`, SECOND_FACTOR_LIMIT_PER_USER]]);
}
