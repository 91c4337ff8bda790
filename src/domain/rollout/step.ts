import { assertNever } from "../assert";
import type { Effects, NodeChange } from "./effects";
import { applyNodeChanges, internBundle } from "./effects";
import type { NodeObservation, Observations } from "./events";
import type { StepHealth } from "./node-progress";
import { assessStep, indexObservations, observeEntry } from "./node-progress";
import { sloGateVerdict } from "./slo-gate";
import { afterBake, analyse, enterBake } from "./step-advance";
import { failRollout, makeError } from "./transitions";
import type { Rollout, RolloutIn, StepProgress } from "./types";
import { baseOf } from "./types";

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
