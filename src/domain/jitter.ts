/** Relative spread of server-chosen node intervals: ±10 %. */
export const INTERVAL_JITTER_FRACTION = 0.1;

/**
 * `baseS` seconds spread uniformly over ±10 % and rounded to whole seconds (at least 1), so a
 * fleet that booted together does not poll or heartbeat in lockstep. `random` is a sample from
 * [0, 1) (a parameter: this module does no I/O and has no hidden randomness).
 */
export function jitterSeconds(baseS: number, random: number): number {
  const factor = 1 - INTERVAL_JITTER_FRACTION + 2 * INTERVAL_JITTER_FRACTION * random;
  return Math.max(1, Math.round(baseS * factor));
}
