import type { SloCohorts } from "../slo/gate";
/** `health.status` of a heartbeat. */
export type HealthStatus = "healthy" | "degraded" | "unhealthy";

/**
 * Metrics of a node's latest heartbeat (wire names). `error_rate` is in percent, as nodes
 * report it. `request_count` (and optionally `error_count`) over the heartbeat interval are
 * needed for the canary error-rate test; without them only latency can be compared.
 */
export interface NodeMetrics {
  readonly error_rate?: number | null;
  readonly latency_p99_ms?: number | null;
  readonly cpu_percent?: number | null;
  readonly memory_percent?: number | null;
  readonly request_count?: number | null;
  readonly error_count?: number | null;
}

/** An explicit report from a node's agent (`POST /nodes/{id}/bundles/{bundle}/{kind}`). */
export type NodeReportKind = "staged" | "activated" | "verified" | "failed";

/** A node report as the reducer consumes it. */
export interface NodeReport {
  readonly nodeId: string;
  readonly bundleId: string;
  readonly kind: NodeReportKind;
  /** When the control plane received it (epoch ms). */
  readonly at: number;
  readonly error?: string | null;
}

/**
 * What the control plane currently knows about one node, read by the shell from D1 for the
 * node ids {@link observationScope} lists (never the whole fleet).
 */
export interface NodeObservation {
  readonly nodeId: string;
  /** `active_bundle_id` of the latest heartbeat: the node's own truth about what it runs. */
  readonly reportedActiveBundleId: string | null;
  /** The node's desired bundle as stored now (used to record what to restore on rollback). */
  readonly desiredBundleId: string | null;
  /** Receive time of the latest heartbeat (epoch ms), `null` if the node never sent one. */
  readonly lastHeartbeatAt: number | null;
  readonly health: HealthStatus | null;
  readonly metrics: NodeMetrics | null;
  /** The latest explicit report, whatever its bundle (the reducer checks the bundle id). */
  readonly lastReport: Omit<NodeReport, "nodeId"> | null;
}

/** Everything a tick observes. */
export interface Observations {
  /** Status of the rollout's bundle: a revoked bundle stops the rollout. */
  readonly bundle: { readonly revoked: boolean };
  /** Observations of the nodes in `observationScope(rollout).nodeIds`; others are ignored. */
  readonly nodes: readonly NodeObservation[];
  /** Observations of `observationScope(rollout).baselineNodeIds` (canary analysis only). */
  readonly baseline: readonly NodeObservation[];
  /**
   * Telemetry of the rollout's bundle vs every other bundle over the `slo_burn_rate` gate's
   * window; read only while that gate is configured and a step is assigned.
   */
  readonly slo?: SloCohorts | null;
}

/**
 * Inputs of the reducer. `tick` (the alarm) carries observations; every other event is applied
 * without reading the fleet, and asks for an immediate tick when it needs evaluation. `actor`
 * is the user or API key id that issued an operator command.
 */
export type RolloutEvent =
  | { readonly type: "tick"; readonly observations: Observations }
  | { readonly type: "node_report"; readonly report: NodeReport }
  | { readonly type: "pause"; readonly actor: string }
  | { readonly type: "resume"; readonly actor: string }
  | { readonly type: "cancel"; readonly actor: string; readonly reason?: string | null }
  | { readonly type: "rollback"; readonly actor: string; readonly reason?: string | null }
  | { readonly type: "approve"; readonly userId: string; readonly comment?: string | null }
  | { readonly type: "reject"; readonly userId: string; readonly comment: string }
  | { readonly type: "promote"; readonly actor: string }
  /** Scheduled time reached (cron) or a manual nudge; applied only when it is due. */
  | { readonly type: "start"; readonly actor: string };

/** An event type name. */
export type RolloutEventType = RolloutEvent["type"];

/** Every event type, for exhaustive tables and tests. */
export const ROLLOUT_EVENT_TYPES = [
  "tick",
  "node_report",
  "pause",
  "resume",
  "cancel",
  "rollback",
  "approve",
  "reject",
  "promote",
  "start",
] as const satisfies readonly RolloutEventType[];

/** Observations with no nodes and a valid bundle: what a tick outside any step sees. */
export const EMPTY_OBSERVATIONS: Observations = {
  bundle: { revoked: false },
  nodes: [],
  baseline: [],
};
