import { assertNever } from "../assert";
import type { RolloutSummary } from "./commands";
import type { NodeStatus, Rollout, RolloutError, StepProgress } from "./types";

/** The current step of a running or paused rollout, else `null`. */
export function currentStep(r: Rollout): StepProgress | null {
  return r.state === "running" || r.state === "paused" ? r.step : null;
}

/** When the rollout reached its terminal state, or `null` while it is active. */
export function finishedAt(r: Rollout): number | null {
  switch (r.state) {
    case "pending_approval":
    case "scheduled":
    case "running":
    case "paused":
    case "rolling_back":
      return null;
    case "completed":
    case "failed":
    case "cancelled":
    case "rolled_back":
      return r.finishedAt;
    default:
      return assertNever(r, "rollout state");
  }
}

/** The error that stopped the rollout, if any (a rollback after a failure keeps it). */
export function rolloutError(r: Rollout): RolloutError | null {
  switch (r.state) {
    case "failed":
      return r.error;
    case "rolling_back":
      return r.rollback.cause.kind === "automatic" ? r.rollback.cause.error : null;
    case "rolled_back":
      return r.cause.kind === "automatic" ? r.cause.error : null;
    case "pending_approval":
    case "scheduled":
    case "running":
    case "paused":
    case "completed":
    case "cancelled":
      return null;
    default:
      return assertNever(r, "rollout state");
  }
}

/** Total planned nodes. */
export function totalNodes(r: Rollout): number {
  return r.plan.reduce((sum, step) => sum + step.length, 0);
}

/**
 * The rollout row / API view: state, step, progress counts, error. O(1) apart from the plan
 * total, which is O(steps).
 */
export function summarize(r: Rollout): RolloutSummary {
  const step = currentStep(r);
  return {
    id: r.id,
    state: r.state,
    strategy: r.spec.strategy,
    bundleId: r.bundleId,
    stepIndex: step ? step.index : r.lastStepIndex,
    stepCount: r.plan.length,
    stepPhase: step ? step.phase : null,
    progress: { ...r.counts, total: totalNodes(r) },
    approvals: r.approvals.length,
    approvalsRequired: r.approvalsRequired,
    scheduledAt: r.scheduledAt,
    startedAt: r.startedAt,
    finishedAt: finishedAt(r),
    updatedAt: r.updatedAt,
    error: rolloutError(r),
  };
}

/**
 * Status of the node at `plan[step][pos]`: its entry, or `pending` before its step started
 * (`skipped` once the rollout is over and never reached it).
 */
export function nodeStatusAt(r: Rollout, step: number, pos: number): NodeStatus {
  const entry = r.entries[step]?.[pos];
  if (entry) {
    return entry.status;
  }
  return finishedAt(r) === null && r.state !== "rolling_back" ? "pending" : "skipped";
}
