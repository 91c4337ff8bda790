import { assertNever } from "../assert";
import type { JsonObject } from "../json";
import type { Effects, NodeChange } from "./effects";
import { applyNodeChanges, skipPending } from "./effects";
import type { RolloutEvent } from "./events";
import { currentStep } from "./summary";
import type {
  CanaryAnalysis,
  NodeEntry,
  NodeStatus,
  RollbackCause,
  Rollout,
  RolloutError,
  RolloutIn,
  StepProgress,
} from "./types";
import { baseOf, MAX_ERROR_NODE_IDS } from "./types";

/** Node statuses that hold an assignment of this rollout's bundle (what rollback restores). */
const HOLDS_ASSIGNMENT: ReadonlySet<NodeStatus> = new Set([
  "assigned",
  "staged",
  "active",
  "verified",
  "failed",
]);

/** Statuses of nodes that have not run the bundle (what cancel and revocation withdraw). */
const NOT_ACTIVATED: ReadonlySet<NodeStatus> = new Set(["assigned", "staged", "failed"]);

/** Whether a node with this entry still holds this rollout's assignment. */
export function holdsAssignment(entry: NodeEntry): boolean {
  return HOLDS_ASSIGNMENT.has(entry.status);
}

/** Builds a rollout error, capping the node ids it carries. */
export function makeError(
  reason: RolloutError["reason"],
  message: string,
  stepIndex: number | null,
  nodeIds: readonly string[] = [],
  details: JsonObject = {},
): RolloutError {
  return { reason, message, stepIndex, nodeIds: nodeIds.slice(0, MAX_ERROR_NODE_IDS), details };
}

/** The analysis a step carries, if any. */
export function analysisOf(step: StepProgress): CanaryAnalysis | null {
  switch (step.phase) {
    case "analysing":
      return step.analysis.last;
    case "awaiting_promotion":
      return step.analysis;
    case "starting":
    case "deploying":
    case "baking":
      return null;
    default:
      return assertNever(step, "step phase");
  }
}

/** Records the current step (if its nodes were assigned) as ended with `state`. */
function endCurrentStep(r: Rollout, state: "failed" | "aborted", now: number, fx: Effects): void {
  const step = currentStep(r);
  if (step && step.phase !== "starting") {
    fx.persistStep(r, step.index, state, step.assignedAt, now, analysisOf(step));
  }
}

/** Visits every entry of every started step. O(touched nodes); used only on transitions. */
function forEachEntry(
  r: Rollout,
  visit: (entry: NodeEntry, nodeId: string, step: number, pos: number) => void,
): void {
  r.entries.forEach((row, step) => {
    row.forEach((entry, pos) => {
      const nodeId = r.plan[step]?.[pos];
      if (nodeId !== undefined) {
        visit(entry, nodeId, step, pos);
      }
    });
  });
}

/**
 * Withdraws the offer from every node that has not activated the bundle: its desired bundle
 * goes back to the recorded previous one. Assigned/staged nodes become `skipped`; failed nodes
 * stay `failed`. Nodes that activated keep the bundle (that is what rollback is for).
 */
function withdrawOffers<R extends Rollout>(r: R, reason: string, now: number, fx: Effects): R {
  const changes: NodeChange[] = [];
  forEachEntry(r, (entry, nodeId, step, pos) => {
    if (!NOT_ACTIVATED.has(entry.status)) {
      return;
    }
    const restoreBundleId = entry.prev === null ? null : (r.bundles[entry.prev] ?? null);
    fx.commands.push({ type: "unassign", nodeId, bundleId: r.bundleId, restoreBundleId });
    if (entry.status !== "failed") {
      changes.push({
        step,
        pos,
        entry: { status: "skipped", prev: entry.prev, since: now, error: reason },
      });
    }
  });
  return applyNodeChanges(r, changes, fx);
}

/** The `running` state at the first step, which starts on the next (immediate) tick. */
export function beginRunning(
  r: RolloutIn<"pending_approval" | "scheduled">,
  actor: string,
  now: number,
  fx: Effects,
): Rollout {
  fx.record("rollout.started", actor, { steps: r.plan.length });
  fx.wakeSoon = true;
  return {
    ...baseOf(r),
    updatedAt: now,
    startedAt: now,
    state: "running",
    step: { phase: "starting", index: 0 },
  };
}

/**
 * Fails the rollout. With `auto_rollback` and something to restore, a rollback starts instead
 * (the error is kept as its cause). A revoked bundle is also withdrawn from every node that has
 * not activated it, so no node keeps being offered it.
 */
export function failRollout(r: Rollout, error: RolloutError, now: number, fx: Effects): Rollout {
  fx.record("rollout.failed", "system", {
    reason: error.reason,
    message: error.message,
    step_index: error.stepIndex,
    node_ids: [...error.nodeIds],
    details: error.details,
  });
  endCurrentStep(r, "failed", now, fx);
  if (r.spec.auto_rollback && r.state !== "rolling_back" && hasRollbackTargets(r)) {
    return startRollback(r, { kind: "automatic", error }, now, fx);
  }
  const next = error.reason === "bundle_revoked" ? withdrawOffers(r, "bundle revoked", now, fx) : r;
  const counts = skipPending(next, fx);
  return { ...baseOf(next), counts, updatedAt: now, state: "failed", finishedAt: now, error };
}

/** Whether any node still holds this rollout's assignment. */
export function hasRollbackTargets(r: Rollout): boolean {
  return r.entries.some((row) => row.some(holdsAssignment));
}

/** An operator's `cancel` event as the cancellation it records. */
export function operatorCancellation(
  event: Extract<RolloutEvent, { type: "cancel" }>,
): RolloutIn<"cancelled">["cancellation"] {
  return { kind: "operator", actor: event.actor, reason: event.reason ?? null };
}

/**
 * Cancels the rollout: no further steps; nodes that have not activated the bundle get their
 * previous desired bundle back; nodes never reached become `skipped`.
 */
export function cancelRollout(
  r: Rollout,
  cancellation: RolloutIn<"cancelled">["cancellation"],
  now: number,
  fx: Effects,
): Rollout {
  endCurrentStep(r, "aborted", now, fx);
  const next = withdrawOffers(r, "cancelled before activation", now, fx);
  const counts = skipPending(next, fx);
  const details: JsonObject =
    cancellation.kind === "rejected"
      ? { rejected: true, comment: cancellation.comment }
      : { reason: cancellation.reason };
  fx.record(
    cancellation.kind === "rejected" ? "rollout.rejected" : "rollout.cancelled",
    cancellation.actor,
    details,
  );
  return {
    ...baseOf(next),
    counts,
    updatedAt: now,
    state: "cancelled",
    finishedAt: now,
    cancellation,
  };
}

/**
 * Starts restoring every node that holds this rollout's assignment: each gets its recorded
 * previous bundle again (`rollback: true`, only where it still desires this bundle), and a node
 * with no previous bundle is unassigned and counts as rolled back at once. Completes at once
 * when nothing needs confirming.
 */
export function startRollback(r: Rollout, cause: RollbackCause, now: number, fx: Effects): Rollout {
  if (r.state === "running" || r.state === "paused") {
    // An automatic rollback already recorded the step as failed.
    if (cause.kind === "manual") {
      endCurrentStep(r, "aborted", now, fx);
    }
  }
  const changes: NodeChange[] = [];
  let restoring = 0;
  forEachEntry(r, (entry, nodeId, step, pos) => {
    if (!holdsAssignment(entry)) {
      return;
    }
    const previous = entry.prev === null ? null : (r.bundles[entry.prev] ?? null);
    if (previous === null) {
      fx.commands.push({ type: "unassign", nodeId, bundleId: r.bundleId, restoreBundleId: null });
      const error = "no previous bundle: unassigned";
      changes.push({ step, pos, entry: { status: "rolled_back", prev: null, since: now, error } });
    } else {
      fx.commands.push({
        type: "assign",
        nodeId,
        bundleId: previous,
        rollback: true,
        ifDesiredBundleId: r.bundleId,
      });
      restoring += 1;
    }
  });
  const next = applyNodeChanges(r, changes, fx);
  const counts = skipPending(next, fx);
  const actor = cause.kind === "manual" ? cause.actor : "system";
  fx.record("rollout.rollback_started", actor, {
    cause: cause.kind,
    reason: cause.kind === "automatic" ? cause.error.reason : null,
    restoring,
    unassigned: changes.length,
  });
  const base = { ...baseOf(next), counts, updatedAt: now };
  if (restoring === 0) {
    fx.record("rollout.rolled_back", "system", { restored: 0, unassigned: changes.length });
    return { ...base, state: "rolled_back", finishedAt: now, cause };
  }
  const deadlineAt = now + r.spec.rollback_deadline_seconds * 1000;
  return {
    ...base,
    state: "rolling_back",
    rollback: {
      cause,
      startedAt: now,
      deadlineAt,
      remaining: restoring,
      cursor: { step: 0, pos: 0 },
    },
  };
}
