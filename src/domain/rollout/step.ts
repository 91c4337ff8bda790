import { assertNever } from "../assert";
import { analyzeCanary, collectSamples, NO_SAMPLES } from "./canary";
import type { Effects, NodeChange } from "./effects";
import { applyNodeChanges, internBundle } from "./effects";
import type { NodeObservation, Observations } from "./events";
import { maxHeartbeatAgeMs } from "./gates";
import type { StepHealth } from "./node-progress";
import { assessStep, indexObservations, observeEntry } from "./node-progress";
import { sloGateVerdict } from "./slo-gate";
import { failRollout, makeError } from "./transitions";
import type { CanaryAnalysis, Rollout, RolloutIn, StepProgress } from "./types";
import { assignedStepBase, baseOf } from "./types";

type Running = RolloutIn<"running">;
/** A step whose nodes were assigned. */
export type AssignedStep = Exclude<StepProgress, { phase: "starting" }>;

/** Who pauses a rollout when the `slo_burn_rate` gate fails with `action: "pause"`. */
export const SLO_GATE_ACTOR = "system:slo_burn_rate";

/** The bundle to restore on rollback: what the node runs, else what it was meant to run. */
export function previousBundleOf(
  obs: NodeObservation | undefined,
  bundleId: string,
): string | null {
  const active = obs?.reportedActiveBundleId ?? null;
  if (active !== null && active !== bundleId) {
    return active;
  }
  const desired = obs?.desiredBundleId ?? null;
  return desired !== null && desired !== bundleId ? desired : null;
}

/**
 * One alarm tick of a running rollout. Reads only the observations of the current step's nodes
 * (and, while a canary cohort is analysed, the baseline sample).
 */
export function tickRunning(r: Running, obs: Observations, now: number, fx: Effects): Rollout {
  if (obs.bundle.revoked) {
    const error = makeError("bundle_revoked", "the bundle was revoked", r.step.index);
    return failRollout(r, error, now, fx);
  }
  const step = r.step;
  switch (step.phase) {
    case "starting":
      return assignStep(r, step.index, indexObservations(obs.nodes), now, fx);
    case "deploying":
    case "baking":
    case "analysing":
    case "awaiting_promotion":
      return evaluateStep(r, step, obs, now, fx);
    default:
      return assertNever(step, "step phase");
  }
}

/** Assigns the bundle to every node of the step, recording each node's previous bundle. */
function assignStep(
  r: Running,
  index: number,
  observations: ReadonlyMap<string, NodeObservation>,
  now: number,
  fx: Effects,
): Rollout {
  const ids = r.plan[index] ?? [];
  let bundles = r.bundles;
  const changes: NodeChange[] = [];
  ids.forEach((nodeId, pos) => {
    const previous = previousBundleOf(observations.get(nodeId), r.bundleId);
    let prev: number | null = null;
    if (previous !== null) {
      ({ bundles, index: prev } = internBundle(bundles, previous));
    }
    changes.push({ step: index, pos, entry: { status: "assigned", prev, since: now } });
    fx.commands.push({
      type: "assign",
      nodeId,
      bundleId: r.bundleId,
      rollback: false,
      ifDesiredBundleId: null,
    });
  });
  const next = applyNodeChanges({ ...r, bundles }, changes, fx);
  fx.persistStep(next, index, "deploying", now, null);
  fx.emit("rollout.step_started", { step_index: index, node_count: ids.length });
  return {
    ...next,
    updatedAt: now,
    lastStepIndex: index,
    step: { phase: "deploying", index, assignedAt: now, startedAt: now, gateFailingSince: null },
  };
}

function healthDetails(h: StepHealth, now: number, step: AssignedStep) {
  return {
    healthy: h.healthy.length,
    required: h.required,
    failed: h.failedNodeIds.length,
    gate_failing: h.gateFailing.length,
    no_data: h.noData,
    not_activated: h.notActivated,
    elapsed_seconds: Math.floor((now - step.startedAt) / 1000),
  };
}

/** Updates node statuses, then applies the step's gates, deadline and phase logic. */
function evaluateStep(
  r: Running,
  step: AssignedStep,
  obs: Observations,
  now: number,
  fx: Effects,
): Rollout {
  const ids = r.plan[step.index] ?? [];
  const entries = r.entries[step.index] ?? [];
  const observations = indexObservations(obs.nodes);
  const changes: NodeChange[] = [];
  ids.forEach((nodeId, pos) => {
    const entry = entries[pos];
    const next =
      entry && observeEntry(entry, observations.get(nodeId), r.bundleId, step.assignedAt, now);
    if (next) {
      changes.push({ step: step.index, pos, entry: next });
    }
  });
  const updated = applyNodeChanges(r, changes, fx);
  const health = assessStep(updated, step.index, observations, now);
  const spec = r.spec;
  const maxUnavailable = spec.max_unavailable;
  if (
    health.failedNodeIds.length > maxUnavailable ||
    health.total - health.failedNodeIds.length < health.required
  ) {
    const failed = health.failedNodeIds.length;
    const message = `${failed} node(s) failed to activate (max_unavailable ${maxUnavailable})`;
    const error = makeError(
      "node_activation_failed",
      message,
      step.index,
      health.failedNodeIds,
      healthDetails(health, now, step),
    );
    return failRollout(updated, error, now, fx);
  }
  let gateFailingSince: number | null = null;
  if (health.failedNodeIds.length + health.gateFailing.length > maxUnavailable) {
    gateFailingSince = step.gateFailingSince ?? now;
    if (now - gateFailingSince >= spec.gate_failure_seconds * 1000) {
      const first = health.gateFailing[0];
      const seconds = Math.floor((now - gateFailingSince) / 1000);
      const reasons = first ? `: ${first.reasons.join(", ")}` : "";
      const message = `health gates failing for ${seconds} s${reasons}`;
      const nodeIds = health.gateFailing.map((g) => g.nodeId);
      const error = makeError(
        "health_gate_failed",
        message,
        step.index,
        nodeIds,
        healthDetails(health, now, step),
      );
      return failRollout(updated, error, now, fx);
    }
  }
  const gate = spec.health_gates.slo_burn_rate;
  const verdict = gate ? sloGateVerdict(gate, obs.slo) : null;
  if (gate && verdict?.kind === "fail") {
    const details = { gate: "slo_burn_rate", slo_id: gate.slo_id, ...verdict.numbers };
    if (gate.action === "pause") {
      fx.record("rollout.paused", SLO_GATE_ACTOR, {
        step_index: step.index,
        phase: step.phase,
        reason: verdict.reason,
        ...details,
      });
      return {
        ...baseOf(updated),
        updatedAt: now,
        state: "paused",
        step: { ...step, gateFailingSince },
        pausedAt: now,
        pausedBy: SLO_GATE_ACTOR,
      };
    }
    const error = makeError("health_gate_failed", verdict.reason, step.index, [], details);
    return failRollout(updated, error, now, fx);
  }
  const current: AssignedStep = { ...step, gateFailingSince };
  const ready = health.healthy.length >= health.required;
  const deadlineMs = spec.progress_deadline_seconds * 1000;
  const bakeMs = spec.bake_seconds * 1000;
  const deadlineError = (message: string) =>
    makeError("deadline_exceeded", message, step.index, [], healthDetails(health, now, step));
  switch (current.phase) {
    case "deploying":
      if (ready) {
        return enterBake(updated, current, health, now, fx);
      }
      if (now >= current.startedAt + deadlineMs) {
        const healthy = `${health.healthy.length}/${health.required} healthy`;
        const message =
          `step ${step.index} not active and healthy within ` +
          `${spec.progress_deadline_seconds} s (${healthy})`;
        return failRollout(updated, deadlineError(message), now, fx);
      }
      return { ...updated, step: current };
    case "baking":
      if (ready && now >= current.bakeStartedAt + bakeMs) {
        return afterBake(updated, current, health, now, fx);
      }
      if (now >= current.startedAt + deadlineMs + bakeMs) {
        const message =
          `step ${step.index} not healthy at the end of its bake ` +
          `(${health.healthy.length}/${health.required} healthy)`;
        return failRollout(updated, deadlineError(message), now, fx);
      }
      return { ...updated, step: current };
    case "analysing":
      return analyse(updated, current, health, obs.baseline, observations, now, fx);
    case "awaiting_promotion":
      return { ...updated, step: current };
    default:
      return assertNever(current, "step phase");
  }
}

function enterBake(
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
function afterBake(
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
function analyse(
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
