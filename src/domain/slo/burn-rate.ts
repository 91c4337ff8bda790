/**
 * SLO arithmetic (pure): good/bad events from rolled-up counts, SLI, error budget remaining and
 * burn rates, and the multiwindow, multi-burn-rate alert condition of the Google SRE workbook
 * (an alert level fires while both its long and its short window burn at least its rate).
 */
import { countAbove } from "../telemetry/buckets";
import type { Counts } from "../telemetry/report";

/** What is measured. */
export interface SloObjectiveSpec {
  readonly objective: "availability" | "latency";
  /** Percent of good events, 0 < target < 100. */
  readonly target: number;
  /** Latency objectives: the bucket bound a good request must not exceed. */
  readonly latencyThresholdMs: number | null;
}

/** One alert level: both windows must burn at least `burn_rate`. */
export interface BurnRatePolicy {
  readonly burn_rate: number;
  readonly long_window_seconds: number;
  readonly short_window_seconds: number;
}

/** The page and ticket levels. */
export interface AlertingPolicy {
  readonly page: BurnRatePolicy;
  readonly ticket: BurnRatePolicy;
}

/** Alert levels, most urgent first. */
export const ALERT_LEVELS = ["page", "ticket"] as const;
/** An alert level. */
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/** The workbook's defaults: page at 14.4× over 1 h and 5 min, ticket at 6× over 6 h and 30 min. */
export const DEFAULT_ALERTING: AlertingPolicy = {
  page: { burn_rate: 14.4, long_window_seconds: 3600, short_window_seconds: 300 },
  ticket: { burn_rate: 6, long_window_seconds: 21600, short_window_seconds: 1800 },
};

/** Bad and total events of `counts` under the objective. */
export interface Events {
  readonly bad: number;
  readonly total: number;
}

/**
 * Availability: every request counts, 5xx responses are bad (4xx are the client's). Latency:
 * requests with a latency observation count, those above the threshold are bad.
 */
export function eventsOf(counts: Counts, slo: SloObjectiveSpec): Events {
  if (slo.objective === "availability") {
    return { bad: counts.errors5xx, total: counts.requests };
  }
  const total = counts.latency.reduce((a, b) => a + b, 0);
  return { bad: countAbove(counts.latency, slo.latencyThresholdMs ?? 0), total };
}

/** Share of the error budget (1 − target) allowed. */
export function errorBudget(target: number): number {
  return 1 - target / 100;
}

/**
 * How fast the budget burns: the bad share divided by the budget share (1 = exactly on budget
 * over the SLO window). Null without events.
 */
export function burnRate(events: Events, target: number): number | null {
  if (events.total <= 0) {
    return null;
  }
  return events.bad / events.total / errorBudget(target);
}

/** SLI in percent (good / total); null without events. */
export function sliPercent(events: Events): number | null {
  return events.total > 0 ? (1 - events.bad / events.total) * 100 : null;
}

/**
 * Percent of the window's error budget left: 100 with no bad events, 0 when exactly spent,
 * negative when overspent. Null without events.
 */
export function budgetRemainingPercent(events: Events, target: number): number | null {
  const rate = burnRate(events, target);
  return rate === null ? null : (1 - rate) * 100;
}

/** Every alert window of a policy, in seconds, deduplicated and sorted. */
export function alertWindows(alerting: AlertingPolicy): number[] {
  const all = ALERT_LEVELS.flatMap((level) => [
    alerting[level].long_window_seconds,
    alerting[level].short_window_seconds,
  ]);
  return [...new Set(all)].sort((a, b) => a - b);
}

/** Levels whose long and short windows both burn at least their rate (no data never fires). */
export function firingLevels(
  burnRates: Readonly<Record<string, number | null>>,
  alerting: AlertingPolicy,
): AlertLevel[] {
  return ALERT_LEVELS.filter((level) => {
    const p = alerting[level];
    const long = burnRates[String(p.long_window_seconds)] ?? null;
    const short = burnRates[String(p.short_window_seconds)] ?? null;
    return long !== null && short !== null && long >= p.burn_rate && short >= p.burn_rate;
  });
}

/** What the SLI job computes for one SLO. */
export interface SloEvaluation {
  readonly sli: number | null;
  readonly errorBudgetRemaining: number | null;
  readonly total: number;
  readonly bad: number;
  /** Window seconds (as a string key) → burn rate. */
  readonly burnRates: Record<string, number | null>;
  readonly firing: AlertLevel[];
}

/**
 * Evaluates an SLO from the counts over its whole window and over each alert window (keyed by
 * seconds).
 */
export function evaluateSlo(
  slo: SloObjectiveSpec,
  alerting: AlertingPolicy,
  windowCounts: Counts,
  alertWindowCounts: ReadonlyMap<number, Counts>,
): SloEvaluation {
  const events = eventsOf(windowCounts, slo);
  const burnRates: Record<string, number | null> = {};
  for (const seconds of alertWindows(alerting)) {
    const counts = alertWindowCounts.get(seconds);
    burnRates[String(seconds)] = counts ? burnRate(eventsOf(counts, slo), slo.target) : null;
  }
  return {
    sli: sliPercent(events),
    errorBudgetRemaining: budgetRemainingPercent(events, slo.target),
    total: events.total,
    bad: events.bad,
    burnRates,
    firing: firingLevels(burnRates, alerting),
  };
}

/** What changes for one level between two evaluations. */
export type AlertTransition = "fire" | "resolve" | null;

/** `fire` when a level starts firing, `resolve` when an open alert stops, else null. */
export function alertTransition(isOpen: boolean, firingNow: boolean): AlertTransition {
  if (firingNow && !isOpen) {
    return "fire";
  }
  if (!firingNow && isOpen) {
    return "resolve";
  }
  return null;
}
