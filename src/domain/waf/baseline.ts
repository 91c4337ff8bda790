/**
 * WAF baselines by hour of week (pure). For each WAF rule, the hourly blocked-request counts of
 * the lookback period are grouped by their hour of the week (UTC, Monday 00:00 = slot 0, 168
 * slots), and each slot gets the mean and the sample standard deviation of its counts. Weekly
 * seasonality is the point: Monday 09:00 is compared with earlier Mondays at 09:00, not with
 * Sunday night.
 */

/** Hours in a week: the number of baseline slots per rule. */
export const HOURS_PER_WEEK = 168;
/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;
/** 1970-01-01 was a Thursday: slot offset so that Monday 00:00 UTC is slot 0. */
const EPOCH_WEEKDAY_OFFSET_H = 3 * 24;

/** The hour-of-week slot (0–167, Monday 00:00 UTC = 0) of an instant. */
export function hourOfWeek(t: number): number {
  const hours = Math.floor(t / HOUR_MS) + EPOCH_WEEKDAY_OFFSET_H;
  return ((hours % HOURS_PER_WEEK) + HOURS_PER_WEEK) % HOURS_PER_WEEK;
}

/** One hourly count of one WAF rule (the hour starting at `hourStart`). */
export interface HourlyCount {
  readonly ruleId: string;
  readonly hourStart: number;
  readonly count: number;
}

/** The baseline of one rule in one hour-of-week slot. */
export interface BaselineSlot {
  readonly ruleId: string;
  readonly hourOfWeek: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); 0 with a single sample. */
  readonly stddev: number;
  readonly samples: number;
}

/**
 * Baselines from hourly counts. Hours of the lookback in which a rule saw nothing must be
 * passed as zeros by the caller if they should count (see {@link fillMissingHours}); a slot
 * gets one sample per distinct hour.
 */
export function computeBaselines(counts: readonly HourlyCount[]): BaselineSlot[] {
  const groups = new Map<string, { ruleId: string; slot: number; values: number[] }>();
  for (const c of counts) {
    const slot = hourOfWeek(c.hourStart);
    const key = `${c.ruleId}\u0000${slot}`;
    const g = groups.get(key) ?? { ruleId: c.ruleId, slot, values: [] };
    g.values.push(c.count);
    groups.set(key, g);
  }
  const out: BaselineSlot[] = [];
  for (const g of groups.values()) {
    const n = g.values.length;
    const mean = g.values.reduce((a, b) => a + b, 0) / n;
    const ss = g.values.reduce((a, v) => a + (v - mean) ** 2, 0);
    out.push({
      ruleId: g.ruleId,
      hourOfWeek: g.slot,
      mean,
      stddev: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
      samples: n,
    });
  }
  return out.sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.hourOfWeek - b.hourOfWeek);
}

/**
 * Adds a zero count for every hour in `[from, to)` in which a known rule has no count, so quiet
 * hours pull the mean down instead of being skipped. Rules are those appearing in `counts`.
 */
export function fillMissingHours(
  counts: readonly HourlyCount[],
  from: number,
  to: number,
): HourlyCount[] {
  const seen = new Set(counts.map((c) => `${c.ruleId}\u0000${c.hourStart}`));
  const rules = [...new Set(counts.map((c) => c.ruleId))];
  const out = [...counts];
  const first = Math.ceil(from / HOUR_MS) * HOUR_MS;
  for (let h = first; h < to; h += HOUR_MS) {
    for (const ruleId of rules) {
      if (!seen.has(`${ruleId}\u0000${h}`)) {
        out.push({ ruleId, hourStart: h, count: 0 });
      }
    }
  }
  return out;
}
