/**
 * Per-bundle heartbeat metric distributions (`--metrics`), so canary statistics and gates can be
 * exercised: `new:error_rate=2±0.5,latency=120±15` makes nodes running the rolled-out bundle look
 * worse than the rest (`*`).
 *
 * Grammar: `[selector:]key=dist[,key=dist…]`, several specs separated by `;` or given as several
 * flags. Selectors: `*` (any bundle, the default), `none` (no bundle yet), `new` (the bundle the
 * simulator compiled and rolled out) or a bundle id prefix of at least 4 hex characters. Keys:
 * `error_rate` (percent), `latency` (p99 ms), `requests` (per heartbeat), `cpu`, `memory` (percent).
 */
import type { Random } from "../agent/backoff";
import type { HeartbeatMetrics } from "../agent/protocol";
import {
  type Distribution,
  DistributionError,
  parseDistribution,
  sampleClamped,
} from "./distribution";

/** Metric keys a spec may set. */
export type MetricKey = "error_rate" | "latency" | "requests" | "cpu" | "memory";

const KEY_ALIASES: Record<string, MetricKey> = {
  error_rate: "error_rate",
  latency: "latency",
  latency_p99_ms: "latency",
  requests: "requests",
  request_count: "requests",
  cpu: "cpu",
  cpu_percent: "cpu",
  memory: "memory",
  memory_percent: "memory",
};

/** One `selector:key=dist,…` clause. */
export interface MetricsRule {
  readonly selector: string;
  readonly metrics: Readonly<Partial<Record<MetricKey, Distribution>>>;
}

/** Defaults: a healthy, moderately loaded node. */
export const DEFAULT_METRICS: Readonly<Record<MetricKey, Distribution>> = {
  error_rate: { kind: "normal", mean: 0.1, sd: 0.05 },
  latency: { kind: "normal", mean: 50, sd: 8 },
  requests: { kind: "normal", mean: 1000, sd: 100 },
  cpu: { kind: "normal", mean: 30, sd: 8 },
  memory: { kind: "normal", mean: 45, sd: 5 },
};

/** Parses every `--metrics` value; throws {@link DistributionError} on bad input. */
export function parseMetricsRules(values: readonly string[]): MetricsRule[] {
  const rules: MetricsRule[] = [];
  for (const clause of values
    .flatMap((v) => v.split(";"))
    .map((c) => c.trim())
    .filter((c) => c !== "")) {
    const colon = clause.indexOf(":");
    const selector = colon < 0 ? "*" : clause.slice(0, colon).trim();
    if (
      !(
        selector === "*" ||
        selector === "new" ||
        selector === "none" ||
        /^[0-9a-f]{4,64}$/.test(selector)
      )
    ) {
      throw new DistributionError(
        `metrics selector ${JSON.stringify(selector)} must be *, new, none or a bundle id prefix`,
      );
    }
    const metrics: Partial<Record<MetricKey, Distribution>> = {};
    for (const pair of clause.slice(colon + 1).split(",")) {
      const eq = pair.indexOf("=");
      const key = KEY_ALIASES[pair.slice(0, eq).trim()];
      if (eq < 0 || key === undefined) {
        throw new DistributionError(
          `metrics entry ${JSON.stringify(pair)} must be one of ${Object.keys(KEY_ALIASES).join(", ")}=<dist>`,
        );
      }
      metrics[key] = parseDistribution(pair.slice(eq + 1));
    }
    rules.push({ selector, metrics });
  }
  return rules;
}

/** How specific a selector is: id prefixes beat `new`, which beats `none`/`*`. */
function matches(rule: MetricsRule, bundleId: string | null, newBundleId: string | null): number {
  if (rule.selector === "*") {
    return 1;
  }
  if (rule.selector === "none") {
    return bundleId === null ? 2 : 0;
  }
  if (bundleId === null) {
    return 0;
  }
  if (rule.selector === "new") {
    return bundleId === newBundleId ? 3 : 0;
  }
  return bundleId.startsWith(rule.selector) ? 4 + rule.selector.length : 0;
}

/** The distribution of each metric for a node running `bundleId`; later rules win ties. */
export function resolveMetrics(
  rules: readonly MetricsRule[],
  bundleId: string | null,
  newBundleId: string | null,
): Record<MetricKey, Distribution> {
  const out: Record<MetricKey, Distribution> = { ...DEFAULT_METRICS };
  const applicable = rules
    .map((rule, index) => ({ rule, index, score: matches(rule, bundleId, newBundleId) }))
    .filter((r) => r.score > 0)
    .sort((a, b) => a.score - b.score || a.index - b.index);
  for (const { rule } of applicable) {
    Object.assign(out, rule.metrics);
  }
  return out;
}

/** Draws one heartbeat's metrics. */
export function drawMetrics(
  dists: Readonly<Record<MetricKey, Distribution>>,
  random: Random,
): HeartbeatMetrics {
  const requests = Math.round(sampleClamped(dists.requests, random, 0));
  const errorRate = sampleClamped(dists.error_rate, random, 0, 100);
  const round2 = (n: number) => Math.round(n * 100) / 100;
  return {
    request_count: requests,
    error_count: Math.round((requests * errorRate) / 100),
    error_rate: round2(errorRate),
    latency_p99_ms: round2(sampleClamped(dists.latency, random, 0)),
    cpu_percent: round2(sampleClamped(dists.cpu, random, 0, 100)),
    memory_percent: round2(sampleClamped(dists.memory, random, 0, 100)),
  };
}
