/**
 * Telemetry of a virtual node (`POST /nodes/{id}/telemetry`), drawn to agree with the same
 * interval's heartbeat metrics: the drawn request and error counts are split over a few
 * services, and the latency histogram is a log-normal whose p99 is the drawn p99, so a bundle
 * whose rule raises errors or latency shows up in the rollups, SLOs and rollout cohorts.
 * Cost per report: a few services × 12 buckets of arithmetic, no extra randomness per request.
 */
import { LATENCY_BOUNDS_MS, LATENCY_BUCKET_COUNT } from "../../src/domain/telemetry/buckets";
import type { HeartbeatMetrics, TelemetryRequest } from "../agent/protocol";

/** Services of every virtual node and their share of its traffic. */
export const SIMULATED_SERVICES: ReadonlyArray<{ service: string; share: number }> = [
  { service: "api", share: 0.6 },
  { service: "web", share: 0.3 },
  { service: "static", share: 0.1 },
];
/** Share of requests answered 4xx (client errors do not follow the bundle's error rate). */
const CLIENT_ERROR_SHARE = 0.02;
/** Share of requests the WAF blocks, and challenges, under the simulated rule. */
const WAF_BLOCK_SHARE = 0.002;
const WAF_CHALLENGE_SHARE = 0.001;
const SIMULATED_WAF_RULE = "942100";
/** z of the 99th percentile: p99 = median × e^(σ·z). */
const Z_P99 = 2.326;
/** Spread of the log-normal latency: p99 is 4× the median. */
const LATENCY_SIGMA = Math.log(4) / Z_P99;

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** `total` requests spread over the fixed buckets; counts sum to `total` exactly. */
export function latencyHistogram(total: number, p99Ms: number): number[] {
  const out = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  if (total <= 0) {
    return out;
  }
  const medianMs = Math.max(0.1, p99Ms) / Math.exp(LATENCY_SIGMA * Z_P99);
  let placed = 0;
  LATENCY_BOUNDS_MS.forEach((bound, i) => {
    const cumulative = Math.round(total * normalCdf(Math.log(bound / medianMs) / LATENCY_SIGMA));
    out[i] = Math.max(0, cumulative - placed);
    placed = Math.max(placed, cumulative);
  });
  out[LATENCY_BUCKET_COUNT - 1] = total - placed;
  return out;
}

/** Splits `n` by the services' shares; the parts sum to `n`. */
function split(n: number): number[] {
  const parts = SIMULATED_SERVICES.map((s) => Math.floor(n * s.share));
  parts[0] = (parts[0] ?? 0) + n - parts.reduce((a, b) => a + b, 0);
  return parts;
}

/** The report for `[intervalStartMs, +intervalS)` matching one heartbeat's drawn metrics. */
export function simulatedTelemetry(
  metrics: HeartbeatMetrics,
  intervalStartMs: number,
  intervalS: number,
): TelemetryRequest {
  const requests = split(metrics.request_count ?? 0);
  const errors = split(metrics.error_count ?? 0);
  const p99 = metrics.latency_p99_ms ?? 0;
  const medianMs = p99 / Math.exp(LATENCY_SIGMA * Z_P99);
  const meanMs = medianMs * Math.exp((LATENCY_SIGMA * LATENCY_SIGMA) / 2);
  const services = SIMULATED_SERVICES.map(({ service }, i) => {
    const n = requests[i] ?? 0;
    const e5 = Math.min(n, errors[i] ?? 0);
    return {
      service,
      requests: n,
      errors_5xx: e5,
      errors_4xx: Math.min(n - e5, Math.round(n * CLIENT_ERROR_SHARE)),
      latency_sum_ms: Math.round(n * meanMs * 1000) / 1000,
      latency_buckets: latencyHistogram(n, p99),
    };
  }).filter((s) => s.requests > 0);
  const total = metrics.request_count ?? 0;
  const blocked = Math.round(total * WAF_BLOCK_SHARE);
  const challenged = Math.round(total * WAF_CHALLENGE_SHARE);
  return {
    interval_start: new Date(intervalStartMs).toISOString(),
    interval_seconds: Math.min(3600, Math.max(1, Math.round(intervalS))),
    services,
    waf:
      blocked + challenged > 0
        ? [{ rule_id: SIMULATED_WAF_RULE, service: "api", blocked, challenged }]
        : [],
  };
}
