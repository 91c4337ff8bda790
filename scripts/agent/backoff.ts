/**
 * Retry timing shared by the agent and the simulator: exponential backoff with full jitter
 * (AWS architecture blog, "Exponential Backoff And Jitter") and `Retry-After` parsing.
 * Randomness is a parameter so tests can pin it.
 */

/** A source of uniform numbers in [0, 1), `Math.random` in production. */
export type Random = () => number;

/** Parameters of {@link backoffDelayMs}. */
export interface BackoffPolicy {
  /** Delay ceiling of the first retry. */
  readonly baseMs: number;
  /** No delay ever exceeds this, however many failures came before. */
  readonly capMs: number;
}

/**
 * Delay before retry number `attempt` (0 = first retry): uniform in
 * `[0, min(cap, base · 2^attempt))`. Full jitter spreads a fleet that failed at the same instant
 * over the whole window, so a recovering control plane is not hit by synchronised waves.
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: Random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/**
 * `value ± fraction·value`, uniformly: jitter for regular intervals (polls, heartbeats) so nodes
 * started together drift apart.
 */
export function jitterMs(valueMs: number, fraction: number, random: Random): number {
  const spread = valueMs * fraction;
  return Math.max(0, Math.round(valueMs - spread + random() * 2 * spread));
}

/**
 * Milliseconds to wait from a `Retry-After` header: delta-seconds or an HTTP date (RFC 9110
 * §10.2.3). `null` when absent or unparseable; never negative.
 */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) {
    return null;
  }
  const text = header.trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  const date = Date.parse(text);
  if (Number.isNaN(date)) {
    return null;
  }
  return Math.max(0, date - nowMs);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Delay before the next loop iteration after `failures` consecutive failures of a loop whose
 * normal period is `intervalMs`: the period doubled per failure, capped, with "equal jitter"
 * (uniform in the upper half) so it never collapses to zero and a failed fleet spreads out.
 */
export function failureDelayMs(
  intervalMs: number,
  failures: number,
  capMs: number,
  random: Random,
): number {
  const ceiling = Math.min(capMs, intervalMs * 2 ** Math.max(0, failures));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
