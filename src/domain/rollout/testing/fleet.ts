/**
 * Builders for large synthetic rollouts (unit tests and the benchmark harness). Deterministic:
 * the same options always give the same ids, plan, state and observations.
 */
import type { NodeMetrics, NodeObservation, Observations } from "../events";
import { observationScope } from "../scope";
import type { RolloutSpec, RolloutSpecInput } from "../spec";
import { resolveRolloutSpec } from "../spec";
import type { NodeCounts, NodeEntry, RolloutIn } from "../types";
import { ROLLOUT_STATE_VERSION } from "../types";

/** The bundle a synthetic rollout deploys. */
export const FLEET_BUNDLE_ID = "b".repeat(64);
/** The bundle every synthetic node ran before. */
export const FLEET_PREVIOUS_BUNDLE_ID = "a".repeat(64);

/** Options of {@link buildFleetRollout}. */
export interface FleetOptions {
  readonly nodeCount: number;
  readonly stepSize: number;
  /** Index of the current step; earlier steps are complete (nodes `verified`). Default 0. */
  readonly stepIndex?: number;
  /** Time of the tick to run (epoch ms). Default 1,700,000,000,000. */
  readonly now?: number;
  /** How long ago the current step assigned its nodes. Default 10 s. */
  readonly stepAgeMs?: number;
  readonly spec?: RolloutSpecInput;
  readonly heartbeatIntervalSeconds?: number;
}

/** A synthetic fleet rollout ready for one tick. */
export interface FleetRollout {
  readonly rollout: RolloutIn<"running">;
  readonly now: number;
  readonly spec: RolloutSpec;
}

/** Deterministic node id `node-000042`-style, sortable by index. */
export function fleetNodeId(index: number): string {
  return `node-${String(index).padStart(6, "0")}`;
}

/** Node ids cut into steps of `stepSize` (what the planner makes for a rolling rollout). */
export function fleetPlan(nodeCount: number, stepSize: number): string[][] {
  const plan: string[][] = [];
  for (let start = 0; start < nodeCount; start += stepSize) {
    const step: string[] = [];
    for (let i = start; i < Math.min(nodeCount, start + stepSize); i += 1) {
      step.push(fleetNodeId(i));
    }
    plan.push(step);
  }
  return plan;
}

/**
 * A running rollout over `nodeCount` nodes in steps of `stepSize`, whose current step
 * (`stepIndex`) assigned its nodes `stepAgeMs` ago and is deploying; earlier steps are done.
 */
export function buildFleetRollout(options: FleetOptions): FleetRollout {
  const now = options.now ?? 1_700_000_000_000;
  const stepIndex = options.stepIndex ?? 0;
  const spec = resolveRolloutSpec({ batch_size: options.stepSize, ...options.spec });
  const plan = fleetPlan(options.nodeCount, options.stepSize);
  const startedAt = now - (options.stepAgeMs ?? 10_000);
  const counts: Record<keyof NodeCounts, number> = {
    pending: 0,
    assigned: 0,
    staged: 0,
    active: 0,
    verified: 0,
    failed: 0,
    skipped: 0,
    rolled_back: 0,
  };
  const entries = plan.map((step, i): NodeEntry[] => {
    if (i > stepIndex) {
      counts.pending += step.length;
      return [];
    }
    const status = i < stepIndex ? "verified" : "assigned";
    counts[status] += step.length;
    return step.map(() => ({ status, prev: 0, since: startedAt }));
  });
  const rollout: RolloutIn<"running"> = {
    version: ROLLOUT_STATE_VERSION,
    id: "00000000-0000-4000-8000-000000000001",
    bundleId: FLEET_BUNDLE_ID,
    spec,
    createdBy: "user-creator",
    createdAt: startedAt - 1000,
    updatedAt: startedAt,
    heartbeatIntervalSeconds: options.heartbeatIntervalSeconds ?? 10,
    approvalsRequired: 0,
    approvals: [],
    scheduledAt: null,
    plan,
    entries,
    bundles: [FLEET_PREVIOUS_BUNDLE_ID],
    counts,
    startedAt: startedAt - 1000,
    lastStepIndex: stepIndex,
    state: "running",
    step: {
      phase: "deploying",
      index: stepIndex,
      assignedAt: startedAt,
      startedAt,
      gateFailingSince: null,
    },
  };
  return { rollout, now, spec };
}

/** Healthy metrics of a synthetic node. */
export const HEALTHY_METRICS: NodeMetrics = {
  error_rate: 0.1,
  latency_p99_ms: 40,
  cpu_percent: 20,
  memory_percent: 30,
  request_count: 1000,
  error_count: 1,
};

/** A fresh heartbeat observation of a node running `activeBundleId`, healthy unless overridden. */
export function observeNode(
  nodeId: string,
  activeBundleId: string | null,
  now: number,
  overrides: Partial<Omit<NodeObservation, "nodeId">> = {},
): NodeObservation {
  return {
    nodeId,
    reportedActiveBundleId: activeBundleId,
    desiredBundleId: activeBundleId,
    lastHeartbeatAt: now - 1000,
    health: "healthy",
    metrics: HEALTHY_METRICS,
    lastReport: null,
    ...overrides,
  };
}

/**
 * Observations for exactly the nodes `observationScope` asks for, each reporting the rollout's
 * bundle active and healthy (baseline nodes report the previous bundle).
 */
export function stepObservations(fleet: FleetRollout, revoked = false): Observations {
  const scope = observationScope(fleet.rollout);
  return {
    bundle: { revoked },
    nodes: scope.nodeIds.map((id) => observeNode(id, FLEET_BUNDLE_ID, fleet.now)),
    baseline: scope.baselineNodeIds.map((id) =>
      observeNode(id, FLEET_PREVIOUS_BUNDLE_ID, fleet.now),
    ),
  };
}
