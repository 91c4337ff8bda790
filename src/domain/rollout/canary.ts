import { mannWhitneyU, twoProportionZTest } from "../stats";
import type { NodeObservation } from "./events";
import { isFresh } from "./gates";
import { MAX_LATENCY_SAMPLES_PER_COHORT } from "./spec";
import type { AnalysisProgress, CanaryAnalysis, CanaryNumbers, CohortSamples } from "./types";

/** Samples of an empty cohort. */
export const NO_SAMPLES: CohortSamples = { requests: 0, errors: 0, latencies: [] };

/** Input of {@link analyzeCanary}. */
export interface CanaryAnalysisInput {
  readonly canary: CohortSamples;
  readonly baseline: CohortSamples;
  /** Confidence level; a one-sided p-value below `1 − confidence` is a significant regression. */
  readonly confidence: number;
  /** Minimum requests (error test) and latency samples (latency test) per cohort. */
  readonly minSamples: { readonly requests: number; readonly latency: number };
  readonly startedAt: number;
  /** Collect at least this long before looking (default 0). */
  readonly windowSeconds?: number;
  readonly maxAnalysisSeconds: number;
  readonly now: number;
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) {
    return null;
  }
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function percent(samples: CohortSamples): number | null {
  return samples.requests > 0 ? (100 * samples.errors) / samples.requests : null;
}

/**
 * Compares a canary cohort with a baseline cohort: a one-sided two-proportion z-test on error
 * counts (is the canary's error proportion greater?) and a one-sided Mann–Whitney U test on
 * p99 latency samples (is the canary's latency stochastically greater?).
 *
 * The verdict is taken in a single look, once the window has elapsed and both tests have their
 * minimum samples: `fail` if either p-value is below `1 − confidence`, else `pass`. Before that
 * the verdict is `hold`; at `startedAt + maxAnalysisSeconds` a `hold` becomes `fail`, because
 * missing data must never let a canary through.
 */
export function analyzeCanary(input: CanaryAnalysisInput): CanaryAnalysis {
  const { canary, baseline, minSamples, now } = input;
  const alpha = 1 - input.confidence;
  const errorTest =
    canary.requests >= minSamples.requests && baseline.requests >= minSamples.requests
      ? twoProportionZTest(canary.errors, canary.requests, baseline.errors, baseline.requests)
      : null;
  const latencyTest =
    canary.latencies.length >= minSamples.latency && baseline.latencies.length >= minSamples.latency
      ? mannWhitneyU(canary.latencies, baseline.latencies)
      : null;
  const numbers: CanaryNumbers = {
    p_values: { error_rate: errorTest?.pValue ?? null, latency: latencyTest?.pValue ?? null },
    means: {
      canary_error_rate: percent(canary),
      baseline_error_rate: percent(baseline),
      canary_latency_ms: mean(canary.latencies),
      baseline_latency_ms: mean(baseline.latencies),
    },
    counts: {
      canary_requests: canary.requests,
      baseline_requests: baseline.requests,
      canary_latency_samples: canary.latencies.length,
      baseline_latency_samples: baseline.latencies.length,
    },
  };
  const elapsedMs = now - input.startedAt;
  const deadlinePassed = elapsedMs >= input.maxAnalysisSeconds * 1000;
  const windowMs = (input.windowSeconds ?? 0) * 1000;
  if (elapsedMs < windowMs && !deadlinePassed) {
    const reason = `collecting data: ${Math.floor(elapsedMs / 1000)} s of ${windowMs / 1000} s`;
    return { verdict: "hold", reasons: [reason], numbers };
  }
  const missing: string[] = [];
  if (!errorTest) {
    missing.push(
      `error rate: ${canary.requests}/${baseline.requests} requests (canary/baseline), ` +
        `need ${minSamples.requests} each`,
    );
  }
  if (!latencyTest) {
    missing.push(
      `latency: ${canary.latencies.length}/${baseline.latencies.length} samples ` +
        `(canary/baseline), need ${minSamples.latency} each`,
    );
  }
  const significant: string[] = [];
  if (errorTest && errorTest.pValue < alpha) {
    significant.push(
      `canary error rate ${fmt(100 * errorTest.p1)}% > baseline ${fmt(100 * errorTest.p2)}% ` +
        `(p = ${errorTest.pValue.toExponential(2)} < ${fmt(alpha)})`,
    );
  }
  if (latencyTest && latencyTest.pValue < alpha) {
    significant.push(
      `canary latency is higher than baseline (Mann–Whitney p = ` +
        `${latencyTest.pValue.toExponential(2)} < ${fmt(alpha)})`,
    );
  }
  if (missing.length === 0) {
    if (significant.length > 0) {
      return { verdict: "fail", reasons: significant, numbers };
    }
    return {
      verdict: "pass",
      reasons: [`no significant regression at confidence ${input.confidence}`],
      numbers,
    };
  }
  if (deadlinePassed) {
    const reasons = [
      `no verdict within ${input.maxAnalysisSeconds} s: insufficient data`,
      ...missing,
      ...significant,
    ];
    return { verdict: "fail", reasons, numbers };
  }
  return { verdict: "hold", reasons: missing, numbers };
}

function fmt(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

/** Errors in one heartbeat: `error_count`, else `error_rate` (percent) × `request_count`. */
function heartbeatCounts(obs: NodeObservation): { requests: number; errors: number } | null {
  const requests = obs.metrics?.request_count;
  if (requests == null || !Number.isFinite(requests) || requests < 0) {
    return null;
  }
  const count = obs.metrics?.error_count;
  const rate = obs.metrics?.error_rate;
  let errors: number | null = null;
  if (count != null && Number.isFinite(count) && count >= 0) {
    errors = count;
  } else if (rate != null && Number.isFinite(rate) && rate >= 0) {
    errors = Math.round((rate / 100) * requests);
  }
  return errors === null ? null : { requests, errors: Math.min(errors, requests) };
}

function addHeartbeat(
  samples: CohortSamples,
  obs: NodeObservation,
  latencies: number[],
): CohortSamples {
  const counts = heartbeatCounts(obs);
  const latency = obs.metrics?.latency_p99_ms;
  if (latency != null && Number.isFinite(latency) && latency >= 0) {
    latencies.push(latency);
  }
  if (!counts) {
    return samples;
  }
  return {
    requests: samples.requests + counts.requests,
    errors: samples.errors + counts.errors,
    latencies: samples.latencies,
  };
}

function collect(
  samples: CohortSamples,
  observations: Iterable<NodeObservation>,
  accept: (obs: NodeObservation) => boolean,
): CohortSamples {
  let next = samples;
  const latencies: number[] = [];
  for (const obs of observations) {
    if (accept(obs)) {
      next = addHeartbeat(next, obs, latencies);
    }
  }
  if (latencies.length === 0) {
    return next;
  }
  const kept = [...samples.latencies, ...latencies].slice(-MAX_LATENCY_SAMPLES_PER_COHORT);
  return { ...next, latencies: kept };
}

/**
 * Adds the heartbeats received since the last collection to the samples: canary heartbeats
 * must report the rollout's bundle active, baseline heartbeats another bundle; both must be
 * fresh. Each heartbeat is counted once, because only heartbeats received in
 * `(sampledUntil, now]` are taken and `sampledUntil` then moves to `now`.
 */
export function collectSamples(
  progress: AnalysisProgress,
  canary: Iterable<NodeObservation>,
  baseline: Iterable<NodeObservation>,
  ctx: { readonly bundleId: string; readonly now: number; readonly maxAgeMs: number },
): AnalysisProgress {
  const isNew = (obs: NodeObservation): boolean =>
    isFresh(obs, ctx.now, ctx.maxAgeMs) &&
    obs.lastHeartbeatAt > progress.sampledUntil &&
    obs.lastHeartbeatAt <= ctx.now;
  return {
    ...progress,
    sampledUntil: ctx.now,
    canary: collect(
      progress.canary,
      canary,
      (obs) => isNew(obs) && obs.reportedActiveBundleId === ctx.bundleId,
    ),
    baseline: collect(
      progress.baseline,
      baseline,
      (obs) =>
        isNew(obs) &&
        obs.reportedActiveBundleId !== null &&
        obs.reportedActiveBundleId !== ctx.bundleId,
    ),
  };
}
