/**
 * WAF anomaly detection (pure): the blocked requests of a rule over a recent window are
 * compared with what its hour-of-week baseline expects for that window. A window spanning
 * parts of two hours expects the overlap-weighted sum of both slots' means. Its variance is
 * the weighted sum of the slots' variances (counts over a fraction w of an hour vary about
 * w times as much as a full hour's, as for Poisson-like counts).
 */
import { type BaselineSlot, HOUR_MS, hourOfWeek } from "./baseline";

/** |z| at or above this flags an anomaly. */
export const Z_THRESHOLD = 3;
/** Neither the observed nor the expected count reaches this: too little traffic to judge. */
export const MIN_VOLUME = 20;
/** Fewer baseline samples (weeks of history for the slot) than this: no verdict yet. */
export const MIN_BASELINE_SAMPLES = 2;

/** Tuning of the detector. */
export interface AnomalyOptions {
  readonly zThreshold: number;
  readonly minVolume: number;
  readonly minSamples: number;
}

/** The defaults: |z| ≥ 3, volume ≥ 20, 2 baseline samples. */
export const DEFAULT_ANOMALY_OPTIONS: AnomalyOptions = {
  zThreshold: Z_THRESHOLD,
  minVolume: MIN_VOLUME,
  minSamples: MIN_BASELINE_SAMPLES,
};

/** Severity by |z|: ≥ 5 critical, ≥ 4 high, else medium. */
export type AnomalySeverity = "medium" | "high" | "critical";

/** One flagged rule. */
export interface Anomaly {
  readonly ruleId: string;
  readonly direction: "spike" | "drop";
  readonly observed: number;
  readonly expected: number;
  readonly stddev: number;
  readonly z: number;
  readonly severity: AnomalySeverity;
}

/** Expected count and standard deviation of one rule over `[from, to)`, or null (no baseline). */
export function expectedForWindow(
  slots: ReadonlyMap<number, BaselineSlot>,
  from: number,
  to: number,
  minSamples: number,
): { mean: number; stddev: number } | null {
  let mean = 0;
  let variance = 0;
  for (let t = from; t < to; ) {
    const hourEnd = (Math.floor(t / HOUR_MS) + 1) * HOUR_MS;
    const end = Math.min(hourEnd, to);
    const w = (end - t) / HOUR_MS;
    const slot = slots.get(hourOfWeek(t));
    if (!slot || slot.samples < minSamples) {
      return null;
    }
    mean += w * slot.mean;
    variance += w * slot.stddev ** 2;
    t = end;
  }
  return { mean, stddev: Math.sqrt(variance) };
}

/**
 * The standard deviation used for z: the baseline's, but at least √expected and at least 1.
 * A perfectly regular history (stddev 0) would otherwise make any wobble infinitely
 * significant; the Poisson floor says how much a count that size varies by chance alone.
 */
export function effectiveStddev(expected: number, stddev: number): number {
  return Math.max(stddev, Math.sqrt(Math.max(expected, 0)), 1);
}

/**
 * Flags the rules whose observed count over `[from, to)` is |z| ≥ threshold away from the
 * baseline, where the larger of observed and expected reaches the minimum volume. Rules with
 * no (or too young a) baseline are skipped. `observed` holds every rule seen in the window;
 * rules with a baseline but absent from it count as 0 (so a rule going silent is a drop).
 */
export function detectAnomalies(
  observed: ReadonlyMap<string, number>,
  baselines: readonly BaselineSlot[],
  from: number,
  to: number,
  options: AnomalyOptions = DEFAULT_ANOMALY_OPTIONS,
): Anomaly[] {
  const byRule = new Map<string, Map<number, BaselineSlot>>();
  for (const b of baselines) {
    const m = byRule.get(b.ruleId) ?? new Map<number, BaselineSlot>();
    m.set(b.hourOfWeek, b);
    byRule.set(b.ruleId, m);
  }
  const rules = new Set([...observed.keys(), ...byRule.keys()]);
  const out: Anomaly[] = [];
  for (const ruleId of rules) {
    const slots = byRule.get(ruleId);
    if (!slots) {
      continue;
    }
    const exp = expectedForWindow(slots, from, to, options.minSamples);
    if (!exp) {
      continue;
    }
    const count = observed.get(ruleId) ?? 0;
    if (Math.max(count, exp.mean) < options.minVolume) {
      continue;
    }
    const sd = effectiveStddev(exp.mean, exp.stddev);
    const z = (count - exp.mean) / sd;
    if (Math.abs(z) < options.zThreshold) {
      continue;
    }
    const abs = Math.abs(z);
    out.push({
      ruleId,
      direction: z > 0 ? "spike" : "drop",
      observed: count,
      expected: exp.mean,
      stddev: sd,
      z,
      severity: abs >= 5 ? "critical" : abs >= 4 ? "high" : "medium",
    });
  }
  return out.sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.ruleId.localeCompare(b.ruleId));
}

/** An anomaly already reported (from storage). */
export interface ReportedAnomaly {
  readonly ruleId: string;
  readonly direction: "spike" | "drop";
  readonly detectedAt: number;
}

/** A rule's anomaly in the same direction is not reported again within this time. */
export const ANOMALY_DEDUP_MS = HOUR_MS;

/**
 * Drops anomalies already reported for the same rule and direction within
 * {@link ANOMALY_DEDUP_MS} before `now`: the 15-minute job looks at overlapping 60-minute
 * windows, so one burst would otherwise be reported four times.
 */
export function newAnomalies(
  found: readonly Anomaly[],
  reported: readonly ReportedAnomaly[],
  now: number,
  dedupMs: number = ANOMALY_DEDUP_MS,
): Anomaly[] {
  return found.filter(
    (a) =>
      !reported.some(
        (r) => r.ruleId === a.ruleId && r.direction === a.direction && now - r.detectedAt < dedupMs,
      ),
  );
}
