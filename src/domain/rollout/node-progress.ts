import type { NodeObservation, NodeReportKind } from "./events";
import type { GateVerdict } from "./gates";
import { evaluateNodeGates, maxHeartbeatAgeMs } from "./gates";
import type { NodeEntry, NodeStatus, Rollout } from "./types";

/** Statuses a node moves through, forwards only, while its step deploys. */
type ProgressStatus = "assigned" | "staged" | "active" | "verified";

const PROGRESS_RANK: Readonly<Record<ProgressStatus, number>> = {
  assigned: 0,
  staged: 1,
  active: 2,
  verified: 3,
};

function isProgress(status: NodeStatus): status is ProgressStatus {
  return Object.hasOwn(PROGRESS_RANK, status);
}

const REPORT_STATUS = {
  staged: "staged",
  activated: "active",
  verified: "verified",
  failed: "failed",
} as const satisfies Record<NodeReportKind, ProgressStatus | "failed">;

/**
 * The entry after evidence that the node reached `status`, or `null` when nothing changes.
 * Progress only moves forward (a late `staged` never undoes `active`), and `failed`, `skipped`
 * and `rolled_back` are final within a rollout: a failure report is not undone by later data.
 */
export function advanceEntry(
  entry: NodeEntry,
  status: ProgressStatus | "failed",
  now: number,
  error: string | null = null,
): NodeEntry | null {
  if (!isProgress(entry.status)) {
    return null;
  }
  if (status === "failed") {
    return { status: "failed", prev: entry.prev, since: now, error: error ?? "activation failed" };
  }
  if (PROGRESS_RANK[status] <= PROGRESS_RANK[entry.status]) {
    return null;
  }
  return { status, prev: entry.prev, since: now };
}

/** The entry after an explicit report of `kind`, or `null` when nothing changes. */
export function applyReport(
  entry: NodeEntry,
  kind: NodeReportKind,
  error: string | null | undefined,
  now: number,
): NodeEntry | null {
  return advanceEntry(entry, REPORT_STATUS[kind], now, error ?? null);
}

/**
 * The entry after one tick's observation of the node: its latest explicit report for this
 * bundle made since the step started, then its heartbeat's active bundle.
 */
export function observeEntry(
  entry: NodeEntry,
  obs: NodeObservation | undefined,
  bundleId: string,
  stepStartedAt: number,
  now: number,
): NodeEntry | null {
  let next: NodeEntry | null = null;
  const report = obs?.lastReport;
  if (report && report.bundleId === bundleId && report.at >= stepStartedAt) {
    next = applyReport(entry, report.kind, report.error, now);
    if (next?.status === "failed") {
      return next;
    }
  }
  if (obs?.reportedActiveBundleId === bundleId) {
    next = advanceEntry(next ?? entry, "active", now) ?? next;
  }
  return next;
}

/** Observations by node id (built once per tick from the step's observations). */
export function indexObservations(
  list: readonly NodeObservation[],
): ReadonlyMap<string, NodeObservation> {
  return new Map(list.map((obs) => [obs.nodeId, obs]));
}

/** Health of the current step's nodes at one tick. */
export interface StepHealth {
  readonly total: number;
  /** Healthy nodes needed to proceed: `max(1, total − max_unavailable)`. */
  readonly required: number;
  /** Positions of active/verified nodes whose gates pass on fresh data. */
  readonly healthy: readonly number[];
  readonly failedNodeIds: readonly string[];
  readonly gateFailing: ReadonlyArray<{
    readonly nodeId: string;
    readonly reasons: readonly string[];
  }>;
  /** Active nodes without usable data (stale, pre-activation heartbeat, missing metric). */
  readonly noData: number;
  /** Nodes still assigned or staged. */
  readonly notActivated: number;
}

/** Assesses the nodes of step `index` (O(step size)). */
export function assessStep(
  r: Rollout,
  index: number,
  observations: ReadonlyMap<string, NodeObservation>,
  now: number,
): StepHealth {
  const ids = r.plan[index] ?? [];
  const entries = r.entries[index] ?? [];
  const ctx = {
    gates: r.spec.health_gates,
    bundleId: r.bundleId,
    now,
    maxAgeMs: maxHeartbeatAgeMs(r.heartbeatIntervalSeconds),
  };
  const healthy: number[] = [];
  const failedNodeIds: string[] = [];
  const gateFailing: Array<{ nodeId: string; reasons: readonly string[] }> = [];
  let noData = 0;
  let notActivated = 0;
  ids.forEach((nodeId, pos) => {
    const status = entries[pos]?.status ?? "pending";
    if (status === "failed") {
      failedNodeIds.push(nodeId);
    } else if (status === "active" || status === "verified") {
      const verdict: GateVerdict = evaluateNodeGates(observations.get(nodeId), ctx);
      if (verdict.kind === "pass") {
        healthy.push(pos);
      } else if (verdict.kind === "fail") {
        gateFailing.push({ nodeId, reasons: verdict.reasons });
      } else {
        noData += 1;
      }
    } else {
      notActivated += 1;
    }
  });
  const total = ids.length;
  const required = Math.max(1, total - r.spec.max_unavailable);
  return { total, required, healthy, failedNodeIds, gateFailing, noData, notActivated };
}
