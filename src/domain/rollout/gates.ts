import type { NodeMetrics, NodeObservation } from "./events";
import type { HealthGates } from "./spec";

/** Heartbeat data is fresh while it is younger than this many heartbeat intervals. */
export const HEARTBEAT_FRESHNESS_INTERVALS = 3;

/** Maximum age (ms) of a heartbeat whose data gates may use. */
export function maxHeartbeatAgeMs(heartbeatIntervalSeconds: number): number {
  return HEARTBEAT_FRESHNESS_INTERVALS * heartbeatIntervalSeconds * 1000;
}

/** Whether the node's latest heartbeat is younger than `maxAgeMs` at `now`. */
export function isFresh(
  obs: NodeObservation | undefined,
  now: number,
  maxAgeMs: number,
): obs is NodeObservation & { lastHeartbeatAt: number } {
  return obs?.lastHeartbeatAt != null && now - obs.lastHeartbeatAt < maxAgeMs;
}

/**
 * A node's gate verdict. `no_data` (stale heartbeat, heartbeat from before the activation, a
 * gated metric missing) is neither a pass nor a failure: the node simply does not count as
 * healthy, so a step without enough healthy nodes runs into its deadline instead of passing.
 */
export type GateVerdict =
  | { readonly kind: "pass" }
  | { readonly kind: "fail"; readonly reasons: readonly string[] }
  | { readonly kind: "no_data"; readonly reasons: readonly string[] };

/** Context of a gate evaluation. */
export interface GateContext {
  readonly gates: HealthGates;
  readonly bundleId: string;
  readonly now: number;
  readonly maxAgeMs: number;
}

const METRIC_GATES = [
  ["max_error_rate", "error_rate", "%"],
  ["max_latency_ms", "latency_p99_ms", " ms"],
  ["max_cpu_percent", "cpu_percent", "%"],
  ["max_memory_percent", "memory_percent", "%"],
] as const satisfies ReadonlyArray<readonly [keyof HealthGates, keyof NodeMetrics, string]>;

/**
 * Evaluates every enabled gate on one node's latest heartbeat. Only a fresh heartbeat that
 * reports the rollout's bundle as active counts: older data describes the previous bundle.
 * Any failing gate makes the verdict `fail` (with every reason); otherwise any missing datum
 * makes it `no_data`.
 */
export function evaluateNodeGates(obs: NodeObservation | undefined, ctx: GateContext): GateVerdict {
  if (!obs) {
    return { kind: "no_data", reasons: ["node not observed"] };
  }
  if (!isFresh(obs, ctx.now, ctx.maxAgeMs)) {
    return { kind: "no_data", reasons: ["no fresh heartbeat"] };
  }
  if (obs.reportedActiveBundleId !== ctx.bundleId) {
    return { kind: "no_data", reasons: ["latest heartbeat does not report the bundle active"] };
  }
  const failures: string[] = [];
  const missing: string[] = [];
  if (ctx.gates.heartbeat_healthy) {
    if (obs.health === null) {
      missing.push("health status not reported");
    } else if (obs.health !== "healthy") {
      failures.push(`health is ${obs.health}`);
    }
  }
  for (const [gate, metric, unit] of METRIC_GATES) {
    const threshold = ctx.gates[gate];
    if (threshold === null) {
      continue;
    }
    const value = obs.metrics?.[metric];
    if (value === null || value === undefined || !Number.isFinite(value)) {
      missing.push(`${metric} not reported`);
    } else if (value > threshold) {
      failures.push(`${metric} ${value}${unit} > ${threshold}${unit}`);
    }
  }
  if (failures.length > 0) {
    return { kind: "fail", reasons: failures };
  }
  if (missing.length > 0) {
    return { kind: "no_data", reasons: missing };
  }
  return { kind: "pass" };
}
