import { assertNever } from "../assert";
import type { Effects } from "./effects";
import { applyNodeChanges } from "./effects";
import type { NodeReport, RolloutEvent } from "./events";
import { applyReport } from "./node-progress";
import type { Handled } from "./outcome";
import { applied, ignored, refused } from "./outcome";
import { tickRunning } from "./step";
import { completeStep } from "./step-advance";
import {
  cancelRollout,
  failRollout,
  makeError,
  operatorCancellation,
  startRollback,
} from "./transitions";
import type { Rollout, RolloutIn, StepProgress } from "./types";
import { baseOf } from "./types";

type Running = RolloutIn<"running">;
type Paused = RolloutIn<"paused">;

/** Handles every event in state `running`. */
export function onRunning(r: Running, event: RolloutEvent, now: number, fx: Effects): Handled {
  switch (event.type) {
    case "tick":
      return applied(tickRunning(r, event.observations, now, fx));
    case "node_report":
      return nodeReport(r, event.report, now, fx);
    case "pause":
      fx.record("rollout.paused", event.actor, { step_index: r.step.index, phase: r.step.phase });
      return applied({
        ...baseOf(r),
        updatedAt: now,
        state: "paused",
        step: r.step,
        pausedAt: now,
        pausedBy: event.actor,
      });
    case "resume":
      return ignored(r, "already running");
    case "cancel":
      return applied(cancelRollout(r, operatorCancellation(event), now, fx));
    case "rollback":
      return applied(
        startRollback(r, { kind: "manual", actor: event.actor, from: r.state }, now, fx),
      );
    case "approve":
    case "reject":
      return refused(r, "invalid_state", "the rollout is not awaiting approval");
    case "promote":
      return promote(r, event.actor, now, fx);
    case "start":
      return ignored(r, "already started");
    default:
      return assertNever(event, "event");
  }
}

/** Handles every event in state `paused`. */
export function onPaused(r: Paused, event: RolloutEvent, now: number, fx: Effects): Handled {
  switch (event.type) {
    case "tick":
      if (event.observations.bundle.revoked) {
        const error = makeError("bundle_revoked", "the bundle was revoked", r.step.index);
        return applied(failRollout(r, error, now, fx));
      }
      return ignored(r, "paused");
    case "node_report":
      return nodeReport(r, event.report, now, fx);
    case "pause":
      return ignored(r, "already paused");
    case "resume": {
      fx.record("rollout.resumed", event.actor, {
        paused_seconds: Math.floor((now - r.pausedAt) / 1000),
      });
      const step = shiftStep(r.step, now - r.pausedAt);
      fx.wakeSoon = true;
      return applied({ ...baseOf(r), updatedAt: now, state: "running", step });
    }
    case "cancel":
      return applied(cancelRollout(r, operatorCancellation(event), now, fx));
    case "rollback":
      return applied(
        startRollback(r, { kind: "manual", actor: event.actor, from: r.state }, now, fx),
      );
    case "approve":
    case "reject":
      return refused(r, "invalid_state", "the rollout is not awaiting approval");
    case "promote":
      return refused(r, "invalid_state", "the rollout is paused; resume it first");
    case "start":
      return ignored(r, "already started");
    default:
      return assertNever(event, "event");
  }
}

/**
 * Moves the step's timers forward by the length of a pause, so a pause never consumes the
 * progress deadline, the bake or the analysis time. The sustained-failure window restarts.
 */
export function shiftStep(step: StepProgress, deltaMs: number): StepProgress {
  switch (step.phase) {
    case "starting":
      return step;
    case "deploying":
      return { ...step, startedAt: step.startedAt + deltaMs, gateFailingSince: null };
    case "baking":
      return {
        ...step,
        startedAt: step.startedAt + deltaMs,
        bakeStartedAt: step.bakeStartedAt + deltaMs,
        gateFailingSince: null,
      };
    case "analysing":
      return {
        ...step,
        startedAt: step.startedAt + deltaMs,
        gateFailingSince: null,
        analysis: { ...step.analysis, startedAt: step.analysis.startedAt + deltaMs },
      };
    case "awaiting_promotion":
      return {
        ...step,
        startedAt: step.startedAt + deltaMs,
        readyAt: step.readyAt + deltaMs,
        gateFailingSince: null,
      };
    default:
      return assertNever(step, "step phase");
  }
}

/**
 * Applies an explicit node report to a node of the current step (O(step size) to find it).
 * Reports for other bundles, other steps or from before the assignment are ignored; the next
 * tick evaluates the step, and runs at once when the rollout is running.
 */
function nodeReport(r: Running | Paused, report: NodeReport, now: number, fx: Effects): Handled {
  const step = r.step;
  if (step.phase === "starting") {
    return ignored(r, "the current step has not assigned its nodes yet");
  }
  if (report.bundleId !== r.bundleId) {
    return ignored(r, "report for another bundle");
  }
  const pos = (r.plan[step.index] ?? []).indexOf(report.nodeId);
  const entry = r.entries[step.index]?.[pos];
  if (pos < 0 || !entry) {
    return ignored(r, "node is not in the current step");
  }
  if (report.at < step.assignedAt) {
    return ignored(r, "report predates the assignment");
  }
  const next = applyReport(entry, report.kind, report.error, now);
  if (!next) {
    return ignored(r, `node already ${entry.status}`);
  }
  if (r.state === "running") {
    fx.wakeSoon = true;
  }
  return applied(applyNodeChanges<Rollout>(r, [{ step: step.index, pos, entry: next }], fx));
}

/**
 * Operator promotion: moves on from a step awaiting promotion (blue-green green cohort, canary
 * with manual promotion), or overrides a running canary analysis (audited as such).
 */
function promote(r: Running, actor: string, now: number, fx: Effects): Handled {
  const step = r.step;
  switch (step.phase) {
    case "awaiting_promotion":
      fx.record("rollout.promoted", actor, { step_index: step.index, automatic: false });
      return applied(completeStep(r, step, now, fx, step.analysis));
    case "analysing":
      fx.record("rollout.promoted", actor, { step_index: step.index, skipped_analysis: true });
      return applied(completeStep(r, step, now, fx, step.analysis.last));
    case "starting":
    case "deploying":
    case "baking":
      return refused(r, "invalid_state", `step ${step.index} is ${step.phase}; nothing to promote`);
    default:
      return assertNever(step, "step phase");
  }
}
