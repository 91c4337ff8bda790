/**
 * Creating a rollout: the one service behind `POST …/rollouts`, GitOps auto-rollouts and
 * environment promotion. It checks the bundle, the freeze windows, resolves the target, plans
 * the steps and hands the plan to the rollout's Durable Object, which writes the rows with an
 * atomic node-conflict check and arms the rollout.
 */

import { and, eq } from "drizzle-orm";
import type { Actor } from "../auth/principal";
import { collectedMessage, findBundle } from "../db/bundles";
import { slos } from "../db/schema";
import {
  planRollout,
  type RolloutSpec,
  type RolloutSpecInput,
  resolveRolloutSpec,
  type SpecProblem,
  validateRolloutSpec,
} from "../domain/rollout";
import type { ProjectRow, Services } from "./index";
import { activeFreezeWindow, nodesInActiveRollouts } from "./rollout-queries";
import { MAX_ROLLOUT_NODES, resolveTarget, type TargetSelector } from "./rollout-target";

/** Conflicting node ids listed in a 409 (the message carries the full count). */
export const MAX_CONFLICT_DETAILS = 100;

/** The create body after schema validation (`api.md`, Rollout create body). */
export interface RolloutCreateInput extends RolloutSpecInput {
  readonly bundle_id: string;
  readonly target_selector: TargetSelector;
  /** ISO 8601; `null`, absent or past = start as soon as approved. */
  readonly scheduled_at?: string | null;
}

/** Options of {@link createRolloutFromSpec}. */
export interface CreateRolloutOptions {
  /** Overrides the project's `approvals_required` (e.g. an environment's own policy). */
  readonly approvalsRequired?: number;
  readonly requestId?: string | null;
}

/** One problem, in error-envelope detail shape. */
export interface CreateProblem {
  readonly path: string;
  readonly message: string;
}

/** Why a rollout was not created; `code` is the API error code. */
export interface CreateRolloutFailure {
  readonly ok: false;
  readonly code: "BAD_REQUEST" | "NOT_FOUND" | "CONFLICT" | "GONE";
  readonly message: string;
  readonly details: readonly CreateProblem[];
}

/** Result of {@link createRolloutFromSpec}. */
export type CreateRolloutOutcome =
  | { readonly ok: true; readonly rolloutId: string }
  | CreateRolloutFailure;

const fail = (
  code: CreateRolloutFailure["code"],
  message: string,
  details: readonly CreateProblem[] = [],
): CreateRolloutFailure => ({ ok: false, code, message, details });

/**
 * Fills the `slo_burn_rate` gate's SLO snapshot from the project's SLO (a later edit or delete
 * of the SLO does not change a rollout already created).
 */
async function withSloSnapshot(
  db: Services["db"],
  projectId: string,
  spec: RolloutSpec,
): Promise<{ ok: true; spec: RolloutSpec } | { ok: false; problem: SpecProblem }> {
  const gate = spec.health_gates.slo_burn_rate;
  if (gate === null) {
    return { ok: true, spec };
  }
  const slo = await db.query.slos.findFirst({
    where: and(eq(slos.id, gate.slo_id), eq(slos.projectId, projectId)),
  });
  if (!slo) {
    return {
      ok: false,
      problem: {
        path: "health_gates.slo_burn_rate.slo_id",
        message: "no such SLO in this project",
      },
    };
  }
  const snapshot = {
    service: slo.service,
    objective: slo.objective,
    target: slo.target,
    latency_threshold_ms: slo.latencyThresholdMs,
    page_burn_rate: slo.alerting.page.burn_rate,
  };
  return {
    ok: true,
    spec: {
      ...spec,
      health_gates: { ...spec.health_gates, slo_burn_rate: { ...gate, slo: snapshot } },
    },
  };
}

/** The spec fields of the body (everything but bundle, target and schedule). */
function specInput(input: RolloutCreateInput): RolloutSpecInput {
  const { bundle_id: _bundle, target_selector: _target, scheduled_at: _at, ...spec } = input;
  return spec;
}

function conflictFailure(ids: readonly string[]): CreateRolloutFailure {
  const shown = ids.slice(0, MAX_CONFLICT_DETAILS);
  const more = ids.length > shown.length ? ` (first ${shown.length} listed)` : "";
  return fail(
    "CONFLICT",
    `${ids.length} target node(s) are already in another active rollout${more}`,
    shown.map((id) => ({ path: "target_selector", message: `node ${id} is in an active rollout` })),
  );
}

/**
 * Creates a rollout of `input.bundle_id` in `project` on behalf of `actor`. Never throws for
 * bad input or state: every refusal is returned with its API error code and details (400 spec
 * problems, all at once; 404 unknown bundle; 409 bundle not compiled, freeze window, node
 * conflicts, nothing left to roll out). Approval policy: the project's `approvals_required`
 * unless overridden; `> 0` makes the rollout wait in `pending_approval`.
 *
 * Freeze windows: creating a rollout that would start at once during an active window is
 * refused (409 naming the window). A rollout that waits (approval, future `scheduled_at`) may
 * be created; its start is held until the window ends.
 */
export async function createRolloutFromSpec(
  services: Services,
  project: ProjectRow,
  actor: Actor,
  input: RolloutCreateInput,
  opts: CreateRolloutOptions = {},
): Promise<CreateRolloutOutcome> {
  const { d1, db, clock, config } = services;
  const resolved = resolveRolloutSpec(specInput(input));
  const problems: SpecProblem[] = validateRolloutSpec(resolved);
  const gate = await withSloSnapshot(db, project.id, resolved);
  if (!gate.ok) {
    problems.push(gate.problem);
  }
  const spec = gate.ok ? gate.spec : resolved;
  const now = clock.now();
  const scheduledMs = input.scheduled_at == null ? null : Date.parse(input.scheduled_at);
  if (scheduledMs !== null && Number.isNaN(scheduledMs)) {
    problems.push({ path: "scheduled_at", message: "must be an ISO 8601 date-time" });
  }
  if (problems.length > 0) {
    return fail("BAD_REQUEST", `Invalid rollout spec: ${problems.length} problem(s)`, problems);
  }
  const bundle = await findBundle(db, project.id, input.bundle_id);
  if (!bundle) {
    return fail("NOT_FOUND", `Bundle ${input.bundle_id} not found`);
  }
  const collected = collectedMessage(bundle);
  if (collected !== null) {
    return fail("GONE", collected, [
      { path: "bundle_id", message: bundle.gcReason ?? "garbage-collected" },
    ]);
  }
  if (bundle.status !== "compiled") {
    return fail("CONFLICT", `Bundle is ${bundle.status}; only compiled bundles can be rolled out`, [
      { path: "bundle_id", message: `status is ${bundle.status}` },
    ]);
  }
  const scheduledAt = scheduledMs !== null && scheduledMs > now ? scheduledMs : null;
  const approvalsRequired = opts.approvalsRequired ?? project.settings.approvals_required ?? 0;
  if (approvalsRequired === 0 && scheduledAt === null) {
    const window = await activeFreezeWindow(d1, project.id, now);
    if (window !== null) {
      const until = new Date(window.endsAt).toISOString();
      return fail("CONFLICT", `Freeze window "${window.name}" is active until ${until}`, [
        { path: "freeze_window", message: `${window.id} (${window.name}) until ${until}` },
      ]);
    }
  }
  const target = await resolveTarget(d1, project.id, input.target_selector);
  if (!target.ok) {
    return fail(
      "BAD_REQUEST",
      `${target.unknownNodeIds.length} node id(s) are not nodes of this project`,
      target.unknownNodeIds.map((id) => ({
        path: "target_selector.node_ids",
        message: `unknown node ${id}`,
      })),
    );
  }
  if (target.candidates.length === 0) {
    return fail("BAD_REQUEST", "The target selector matches no node", [
      { path: "target_selector", message: "matches no (non-revoked) node of this project" },
    ]);
  }
  if (target.candidates.length > MAX_ROLLOUT_NODES) {
    return fail("BAD_REQUEST", `A rollout targets at most ${MAX_ROLLOUT_NODES} nodes`, [
      { path: "target_selector", message: `matches more than ${MAX_ROLLOUT_NODES} nodes` },
    ]);
  }
  const held = await nodesInActiveRollouts(
    d1,
    target.candidates.map((n) => n.id),
  );
  const plan = planRollout({
    rolloutSpec: spec,
    candidateNodes: target.candidates,
    nodesInOtherActiveRollouts: held,
    bundleId: bundle.id,
  });
  if (!plan.ok) {
    switch (plan.error.code) {
      case "node_conflict":
        return conflictFailure(plan.error.conflictingNodeIds ?? []);
      case "invalid_spec":
        return fail("BAD_REQUEST", plan.error.message, plan.error.problems ?? []);
      case "no_target_nodes":
        return fail(
          "CONFLICT",
          "Nothing to roll out: every target node runs this bundle or is pinned",
          [{ path: "target_selector", message: plan.error.message }],
        );
    }
  }
  const id = crypto.randomUUID();
  const specRecord = JSON.stringify({
    ...spec,
    target_selector: input.target_selector,
    scheduled_at: scheduledAt === null ? null : new Date(scheduledAt).toISOString(),
  });
  const stub = services.rollouts.get(services.rollouts.idFromName(id));
  const created = await stub.create({
    id,
    projectId: project.id,
    orgId: project.orgId,
    bundleId: bundle.id,
    spec,
    specRecord,
    steps: plan.steps,
    skipped: plan.skipped,
    actor,
    requestId: opts.requestId ?? services.requestId,
    approvalsRequired,
    scheduledAt,
    heartbeatIntervalSeconds: config.HEARTBEAT_INTERVAL_S,
  });
  switch (created.kind) {
    case "created":
      return { ok: true, rolloutId: id };
    case "node_conflict":
      return conflictFailure(created.nodeIds);
    case "exists":
      throw new Error(`rollout id ${id} was already taken`);
  }
}
