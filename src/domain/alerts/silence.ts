/**
 * Silences (pure). A silence covers one rule, or every rule of its project when `ruleId` is
 * null, from `startsAt` (inclusive) to `endsAt` (exclusive). Expiry needs no job: a silence past
 * its end simply stops matching.
 */

/** What matching needs of a silence. */
export interface SilenceWindow {
  readonly ruleId: string | null;
  readonly startsAt: number;
  readonly endsAt: number;
}

/** Whether `s` is in force at `now` (expired and future silences are not). */
export function isActive(s: SilenceWindow, now: number): boolean {
  return s.startsAt <= now && now < s.endsAt;
}

/** Whether any silence in force at `now` covers rule `ruleId`. */
export function isSilenced(ruleId: string, silences: readonly SilenceWindow[], now: number) {
  return silences.some((s) => isActive(s, now) && (s.ruleId === null || s.ruleId === ruleId));
}

/** Longest silence accepted (30 days): a silence is a pause, not a way to delete a rule. */
export const MAX_SILENCE_MS = 30 * 24 * 3_600_000;
