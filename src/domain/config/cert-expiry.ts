/**
 * Certificate expiry warnings: thresholds and which one is due. Pure; time is a parameter.
 *
 * A certificate is warned about once per threshold (30, 7 and 1 days before `not_after`). The
 * smallest threshold already warned is stored with the certificate; a replacement resets it.
 * A cron run that was missed catches up with only the most urgent threshold, so an operator
 * never gets a burst of stale warnings.
 */

/** Days before `not_after` at which a warning goes out, most distant first. */
export const EXPIRY_THRESHOLDS_DAYS = [30, 7, 1] as const;

const DAY_MS = 86_400_000;

/** The threshold to warn about now, or null when nothing new is due. */
export function dueThreshold(
  notAfter: number,
  now: number,
  warnedDays: number | null,
): number | null {
  const daysLeft = (notAfter - now) / DAY_MS;
  let due: number | null = null;
  for (const threshold of EXPIRY_THRESHOLDS_DAYS) {
    if (daysLeft <= threshold) {
      due = threshold;
    }
  }
  if (due === null || (warnedDays !== null && warnedDays <= due)) {
    return null;
  }
  return due;
}

/** Severity of the warning for a threshold: the last day is critical. */
export function expirySeverity(thresholdDays: number): "warning" | "critical" {
  return thresholdDays <= 1 ? "critical" : "warning";
}

/** Whole days left (negative once expired), for messages. */
export function daysLeft(notAfter: number, now: number): number {
  return Math.floor((notAfter - now) / DAY_MS);
}
