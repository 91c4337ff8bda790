/**
 * Telemetry a node reports per interval (deltas since its previous report) and the aggregates
 * the control plane keeps: one row per project + service + bundle + time bucket. Pure.
 */
import { addHistograms, emptyHistogram } from "./buckets";

/** One service's (route's) counts over a node's interval. */
export interface ServiceDelta {
  readonly service: string;
  readonly requests: number;
  /** Responses with a 5xx status: the errors availability SLOs count. */
  readonly errors5xx: number;
  /** Responses with a 4xx status (client errors; shown, never counted against an SLO). */
  readonly errors4xx: number;
  /** Sum of request latencies (ms), for mean latency. */
  readonly latencySumMs: number;
  /** Non-cumulative counts over the fixed buckets (`buckets.ts`). */
  readonly latency: readonly number[];
}

/** WAF decisions of one rule over a node's interval. */
export interface WafDelta {
  readonly ruleId: string;
  readonly service: string;
  readonly blocked: number;
  readonly challenged: number;
}

/** A validated telemetry report. */
export interface TelemetryReport {
  /** Start of the node's interval (epoch ms); with the node id, the idempotency key. */
  readonly intervalStart: number;
  readonly intervalSeconds: number;
  /** The bundle the node ran during the interval (`""` when it ran none / did not say). */
  readonly bundleId: string;
  readonly services: readonly ServiceDelta[];
  readonly waf: readonly WafDelta[];
}

/** Summed counts of a bucket (the columns of the rollup tables). */
export interface Counts {
  requests: number;
  errors5xx: number;
  errors4xx: number;
  latencySumMs: number;
  latency: number[];
  /** Node reports merged into the row. */
  reports: number;
}

/** Counts of nothing. */
export function zeroCounts(): Counts {
  return {
    requests: 0,
    errors5xx: 0,
    errors4xx: 0,
    latencySumMs: 0,
    latency: emptyHistogram(),
    reports: 0,
  };
}

/** `a + b`. */
export function addCounts(a: Counts, b: Counts): Counts {
  return {
    requests: a.requests + b.requests,
    errors5xx: a.errors5xx + b.errors5xx,
    errors4xx: a.errors4xx + b.errors4xx,
    latencySumMs: a.latencySumMs + b.latencySumMs,
    latency: addHistograms(a.latency, b.latency),
    reports: a.reports + b.reports,
  };
}

/** One service delta as counts of one report. */
export function deltaCounts(delta: ServiceDelta): Counts {
  return {
    requests: delta.requests,
    errors5xx: delta.errors5xx,
    errors4xx: delta.errors4xx,
    latencySumMs: delta.latencySumMs,
    latency: addHistograms(emptyHistogram(), delta.latency),
    reports: 1,
  };
}

/** Time resolutions of the rollup tables. */
export const RESOLUTIONS = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
} as const;

/** A rollup resolution name. */
export type Resolution = keyof typeof RESOLUTIONS;

/** Start of the bucket of `resolution` containing `t` (UTC-aligned). */
export function bucketStart(t: number, resolution: Resolution): number {
  const size = RESOLUTIONS[resolution];
  return Math.floor(t / size) * size;
}

/** Retention defaults per resolution: minutes 48 h, hours 35 days, days 400 days. */
export const RETENTION_DEFAULTS_MS: Readonly<Record<Resolution, number>> = {
  minute: 48 * 3_600_000,
  hour: 35 * 86_400_000,
  day: 400 * 86_400_000,
};
