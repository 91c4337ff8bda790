import { assertNever } from "../assert";
import { analyzeCanary, collectSamples, NO_SAMPLES } from "./canary";
import type { Effects, NodeChange } from "./effects";
import { applyNodeChanges } from "./effects";
import type { NodeObservation } from "./events";
import { maxHeartbeatAgeMs } from "./gates";
import type { StepHealth } from "./node-progress";
import type { AssignedStep } from "./step";
import { failRollout, makeError } from "./transitions";
import type { CanaryAnalysis, Rollout, RolloutIn } from "./types";
import { assignedStepBase, baseOf } from "./types";

/**
 * What follows once a step's nodes are ready (split from step.ts, which assigns nodes and
 * evaluates gates and deadlines): bake, verification, the strategy's next move (canary analysis,
 * promotion) and step completion.
 */

type Running = RolloutIn<"running">;

/** The step is ready: bake it (or, with `bake_seconds` 0, go straight to what follows the bake). */
export function enterBake(
  r: Running,
  step: AssignedStep,
  health: StepHealth,
  now: number,
  fx: Effects,
): Rollout {
  if (r.spec.bake_seconds === 0) {
    return afterBake(r, step, health, now, fx);
  }
  fx.persistStep(r, step.index, "baking", step.assignedAt, null);
  return {
    ...r,
    updatedAt: now,
    step: { ...assignedStepBase(step), phase: "baking", bakeStartedAt: now },
  };
}

/**
 * The step's nodes are active, healthy and baked: healthy nodes become `verified`, then the
 * strategy decides what follows (next step, canary analysis, or waiting for promotion).
 */
export function afterBake(
  r: Running,
  step: AssignedStep,
  health: StepHealth,
  now: number,
  fx: Effects,
): Rollout {
  const entries = r.entries[step.index] ?? [];
  const changes: NodeChange[] = [];
  for (const pos of health.healthy) {
    const entry = entries[pos];
    if (entry?.status === "active") {
      changes.push({
        step: step.index,
        pos,
        entry: { status: "verified", prev: entry.prev, since: now },
      });
    }
  }
  const next = applyNodeChanges(r, changes, fx);
  const isLast = step.index + 1 >= r.plan.length;
  const index = step.index;
  switch (r.spec.strategy) {
    case "rolling":
    case "all_at_once":
      return completeStep(next, step, now, fx, null);
    case "canary": {
      if (isLast) {
        return completeStep(next, step, now, fx, null);
      }
      fx.persistStep(next, index, "analysing", step.assignedAt, null);
      const analysis = {
        startedAt: now,
        sampledUntil: now,
        canary: NO_SAMPLES,
        baseline: NO_SAMPLES,
        last: null,
      };
      return {
        ...next,
        updatedAt: now,
        step: { ...assignedStepBase(step), phase: "analysing", analysis },
      };
    }
    case "blue_green":
      if (isLast) {
        return completeStep(next, step, now, fx, null);
      }
      if (r.spec.blue_green.auto_promote) {
        fx.record("rollout.promoted", "system", { step_index: index, automatic: true });
        return completeStep(next, step, now, fx, null);
      }
      return awaitPromotion(next, step, null, now, fx);
    default:
      return assertNever(r.spec.strategy, "strategy");
  }
}

function awaitPromotion(
  r: Running,
  step: AssignedStep,
  analysis: CanaryAnalysis | null,
  now: number,
  fx: Effects,
): Rollout {
  fx.persistStep(r, step.index, "awaiting_promotion", step.assignedAt, null, analysis);
  fx.emit("rollout.awaiting_promotion", { step_index: step.index });
  return {
    ...r,
    updatedAt: now,
    step: { ...assignedStepBase(step), phase: "awaiting_promotion", readyAt: now, analysis },
  };
}

/** Collects canary and baseline samples, then applies the verdict. */
export function analyse(
  r: Running,
  step: Extract<AssignedStep, { phase: "analysing" }>,
  health: StepHealth,
  baseline: readonly NodeObservation[],
  observations: ReadonlyMap<string, NodeObservation>,
  now: number,
  fx: Effects,
): Rollout {
  const ids = r.plan[step.index] ?? [];
  const canary: NodeObservation[] = [];
  for (const pos of health.healthy) {
    const obs = observations.get(ids[pos] ?? "");
    if (obs) {
      canary.push(obs);
    }
  }
  const c = r.spec.canary;
  const ctx = {
    bundleId: r.bundleId,
    now,
    maxAgeMs: maxHeartbeatAgeMs(r.heartbeatIntervalSeconds),
  };
  const progress = collectSamples(step.analysis, canary, baseline, ctx);
  const result = analyzeCanary({
    canary: progress.canary,
    baseline: progress.baseline,
    confidence: c.confidence,
    minSamples: { requests: c.min_request_count, latency: c.min_latency_samples },
    startedAt: progress.startedAt,
    windowSeconds: c.analysis_window_seconds,
    maxAnalysisSeconds: c.max_analysis_seconds,
    now,
  });
  const verdict = result.verdict;
  switch (verdict) {
    case "hold":
      return { ...r, step: { ...step, analysis: { ...progress, last: result } } };
    case "fail": {
      fx.emit("rollout.canary_analysis", {
        step_index: step.index,
        verdict,
        reasons: [...result.reasons],
      });
      const details = {
        p_values: result.numbers.p_values,
        means: result.numbers.means,
        counts: result.numbers.counts,
      };
      const error = makeError(
        "canary_analysis_failed",
        result.reasons.join("; "),
        step.index,
        [],
        details,
      );
      const failing = { ...r, step: { ...step, analysis: { ...progress, last: result } } };
      return failRollout(failing, error, now, fx);
    }
    case "pass":
      fx.emit("rollout.canary_analysis", {
        step_index: step.index,
        verdict,
        reasons: [...result.reasons],
      });
      if (c.auto_promote) {
        return completeStep(r, step, now, fx, result);
      }
      return awaitPromotion(r, step, result, now, fx);
    default:
      return assertNever(verdict, "verdict");
  }
}

/** Completes the step: the next starts on the next (immediate) tick, or the rollout completes. */
export function completeStep(
  r: Running,
  step: AssignedStep,
  now: number,
  fx: Effects,
  analysis: CanaryAnalysis | null,
): Rollout {
  fx.persistStep(r, step.index, "completed", step.assignedAt, now, analysis);
  fx.emit("rollout.step_completed", { step_index: step.index });
  if (step.index + 1 < r.plan.length) {
    fx.wakeSoon = true;
    return { ...r, updatedAt: now, step: { phase: "starting", index: step.index + 1 } };
  }
  fx.record("rollout.completed", "system", { steps: r.plan.length });
  return { ...baseOf(r), updatedAt: now, state: "completed", finishedAt: now };
}
