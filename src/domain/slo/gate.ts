/**
 * The `slo_burn_rate` rollout gate (pure): the short-window burn rate of the nodes already
 * updated (traffic reported under the rollout's bundle) against the nodes not yet updated
 * (every other bundle of the project). The gate fails only when the updated cohort burns above
 * the threshold AND is significantly worse than the baseline (one-sided two-proportion z-test,
 * from the canary statistics), so a project-wide incident is not blamed on the rollout. With
 * no baseline traffic (every node updated) the threshold alone decides.
 */
import { twoProportionZTest } from "../stats";
import type { Counts } from "../telemetry/report";
import { burnRate, eventsOf, type SloObjectiveSpec } from "./burn-rate";

/** The gate's settings on a rollout (with the SLO resolved at creation). */
export interface SloGateSpec {
  readonly slo_id: string;
  /** The SLO's service; null measures the whole project. */
  readonly service: string | null;
  readonly objective: "availability" | "latency";
  readonly target: number;
  readonly latency_threshold_ms: number | null;
  /** Burn rate above which the updated cohort fails (default: the SLO's page rate). */
  readonly max_burn_rate: number;
  /** The short window the cohorts are compared over. */
  readonly window_seconds: number;
  /** Events the updated cohort needs before any verdict. */
  readonly min_events: number;
  /** Confidence of the comparison with the baseline. */
  readonly confidence: number;
  /** What a failing gate does: fail the rollout (and roll back) or pause it. */
  readonly action: "fail" | "pause";
}

/** Gate defaults (besides the SLO's own fields). */
export const SLO_GATE_DEFAULTS = {
  window_seconds: 300,
  min_events: 200,
  confidence: 0.95,
  action: "fail",
} as const;

/** The cohorts the shell read for a tick. */
export interface SloCohorts {
  readonly updated: Counts;
  readonly baseline: Counts;
}

/** Numbers behind a verdict (persisted with the error, shown to operators). */
export interface SloGateNumbers {
  readonly updated_burn_rate: number | null;
  readonly baseline_burn_rate: number | null;
  readonly updated_events: number;
  readonly updated_bad: number;
  readonly baseline_events: number;
  readonly baseline_bad: number;
  readonly p_value: number | null;
}

/** Verdict of the gate. */
export type SloGateVerdict =
  | { readonly kind: "pass" | "no_data"; readonly numbers: SloGateNumbers }
  | { readonly kind: "fail"; readonly reason: string; readonly numbers: SloGateNumbers };

function objectiveOf(spec: SloGateSpec): SloObjectiveSpec {
  return {
    objective: spec.objective,
    target: spec.target,
    latencyThresholdMs: spec.latency_threshold_ms,
  };
}

/** Evaluates the gate on one tick's cohorts. */
export function evaluateSloGate(spec: SloGateSpec, cohorts: SloCohorts): SloGateVerdict {
  const slo = objectiveOf(spec);
  const updated = eventsOf(cohorts.updated, slo);
  const baseline = eventsOf(cohorts.baseline, slo);
  const updatedRate = burnRate(updated, spec.target);
  const baselineRate = burnRate(baseline, spec.target);
  let pValue: number | null = null;
  if (updated.total > 0 && baseline.total > 0) {
    pValue = twoProportionZTest(updated.bad, updated.total, baseline.bad, baseline.total).pValue;
  }
  const numbers: SloGateNumbers = {
    updated_burn_rate: updatedRate,
    baseline_burn_rate: baselineRate,
    updated_events: updated.total,
    updated_bad: updated.bad,
    baseline_events: baseline.total,
    baseline_bad: baseline.bad,
    p_value: pValue,
  };
  if (updated.total < spec.min_events || updatedRate === null) {
    return { kind: "no_data", numbers };
  }
  if (updatedRate <= spec.max_burn_rate) {
    return { kind: "pass", numbers };
  }
  const significant = pValue === null || pValue < 1 - spec.confidence;
  if (!significant) {
    return { kind: "pass", numbers };
  }
  const against =
    baselineRate === null ? "no baseline traffic" : `baseline burns ${baselineRate.toFixed(1)}×`;
  return {
    kind: "fail",
    reason:
      `SLO ${spec.slo_id}: updated nodes burn the error budget at ${updatedRate.toFixed(1)}× ` +
      `over ${spec.window_seconds} s (threshold ${spec.max_burn_rate}×; ${against})`,
    numbers,
  };
}
