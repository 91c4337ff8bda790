/** Retry schedule of notification deliveries. Pure: randomness is a parameter. */

/** Delay before the second attempt; doubles with every further failure. */
export const BASE_RETRY_DELAY_S = 30;
/** Upper bound of one retry delay (Queues accept up to 12 h; an hour keeps alerts timely). */
export const MAX_RETRY_DELAY_S = 3600;
/** Spread added on top of the delay so a flapping endpoint is not hit by synchronised retries. */
export const RETRY_JITTER_FRACTION = 0.25;

/**
 * Seconds to wait after failed attempt number `attempt` (1-based): 30 s, 60 s, 120 s, … capped at
 * {@link MAX_RETRY_DELAY_S}, plus up to 25 % jitter. `random` returns a number in [0, 1).
 */
export function retryDelaySeconds(attempt: number, random: () => number): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const base = Math.min(MAX_RETRY_DELAY_S, BASE_RETRY_DELAY_S * 2 ** Math.min(exponent, 20));
  const jitter = Math.floor(base * RETRY_JITTER_FRACTION * Math.min(Math.max(random(), 0), 0.999));
  return base + jitter;
}
