import type { ReduceResult, RolloutCommand } from "./commands";
import { initialCounts } from "./effects";
import { nextWakeAt } from "./reducer";
import type { RolloutSpec } from "./spec";
import { summarize } from "./summary";
import type { Rollout, RolloutBase } from "./types";
import { ROLLOUT_STATE_VERSION } from "./types";

/** Heartbeat interval assumed when the caller does not pass one. */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 30;

/** Input of {@link createRollout}. */
export interface CreateRolloutInput {
  readonly id: string;
  readonly bundleId: string;
  /** A resolved and valid spec (`resolveRolloutSpec`, `validateRolloutSpec`). */
  readonly spec: RolloutSpec;
  /** `planRollout(...).steps`. */
  readonly steps: readonly (readonly string[])[];
  readonly createdBy: string;
  readonly now: number;
  /** Distinct approvals needed before the rollout may start (project policy); 0 = none. */
  readonly approvalsRequired?: number;
  /** Start time (epoch ms); `null` or past = start as soon as approved. */
  readonly scheduledAt?: number | null;
  /** The fleet's base heartbeat interval, for the freshness rule of the gates. */
  readonly heartbeatIntervalSeconds?: number;
}

function checkInput(input: CreateRolloutInput): void {
  if (input.steps.length === 0 || input.steps.some((step) => step.length === 0)) {
    throw new RangeError("a rollout plan needs at least one step and no empty step");
  }
  const seen = new Set<string>();
  for (const step of input.steps) {
    for (const id of step) {
      if (seen.has(id)) {
        throw new RangeError(`node ${id} appears twice in the plan`);
      }
      seen.add(id);
    }
  }
  const approvals = input.approvalsRequired ?? 0;
  if (!Number.isInteger(approvals) || approvals < 0) {
    throw new RangeError("approvalsRequired must be a non-negative integer");
  }
  if ((input.heartbeatIntervalSeconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS) <= 0) {
    throw new RangeError("heartbeatIntervalSeconds must be positive");
  }
}

/**
 * Creates the initial state of a planned rollout: `pending_approval` when approvals are
 * required, `scheduled` when it starts later, else `running` (its first step assigns on the
 * first tick, which is due at once). The route inserts the per-node rows (`pending`, and
 * `skipped` for the planner's skipped nodes); the returned commands write the rollout row and
 * the audit entry. Throws `RangeError` on an inconsistent plan (a programming error).
 */
export function createRollout(input: CreateRolloutInput): ReduceResult {
  checkInput(input);
  const { now } = input;
  const plan = input.steps.map((step) => [...step]);
  const total = plan.reduce((sum, step) => sum + step.length, 0);
  const scheduledAt = input.scheduledAt ?? null;
  const base: RolloutBase = {
    version: ROLLOUT_STATE_VERSION,
    id: input.id,
    bundleId: input.bundleId,
    spec: input.spec,
    createdBy: input.createdBy,
    createdAt: now,
    updatedAt: now,
    heartbeatIntervalSeconds: input.heartbeatIntervalSeconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
    approvalsRequired: input.approvalsRequired ?? 0,
    approvals: [],
    scheduledAt,
    plan,
    entries: plan.map(() => []),
    bundles: [],
    counts: initialCounts(total),
    startedAt: null,
    lastStepIndex: null,
  };
  const audit = (action: "rollout.created" | "rollout.started", details = {}): RolloutCommand[] => {
    const payload = { rollout_id: input.id, bundle_id: input.bundleId, ...details };
    return [
      { type: "audit", action, actor: input.createdBy, details: payload },
      { type: "emit_event", event: action, payload: { actor: input.createdBy, ...payload } },
    ];
  };
  const created = audit("rollout.created", {
    strategy: input.spec.strategy,
    steps: plan.length,
    nodes: total,
    approvals_required: base.approvalsRequired,
    scheduled_at: scheduledAt,
  });
  let rollout: Rollout;
  let commands: RolloutCommand[];
  if (base.approvalsRequired > 0) {
    rollout = { ...base, state: "pending_approval" };
    commands = created;
  } else if (scheduledAt !== null && scheduledAt > now) {
    rollout = { ...base, state: "scheduled" };
    commands = created;
  } else {
    rollout = { ...base, startedAt: now, state: "running", step: { phase: "starting", index: 0 } };
    commands = [...created, ...audit("rollout.started", { steps: plan.length })];
  }
  commands.push({ type: "persist_rollout", summary: summarize(rollout) });
  return { rollout, commands, wakeAt: nextWakeAt(rollout, now), outcome: { kind: "applied" } };
}
