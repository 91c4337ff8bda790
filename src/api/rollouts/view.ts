/**
 * Rollout API views, read from the D1 rows RolloutDO writes on every transition (reads never
 * wake the Durable Object).
 */
import { and, asc, desc, eq } from "drizzle-orm";
import { rolloutApprovals, rolloutSteps, rollouts } from "../../db/schema";
import { NODE_STATUSES } from "../../domain/rollout";
import type { Services } from "../../services";
import { notFound } from "../errors";
import { iso } from "../schemas";
import type { RolloutSummaryView, RolloutView } from "./schema";

/** Started steps shown by GET …/rollouts/{id} (a 10,000-step rolling rollout shows its tail). */
export const MAX_STEPS_IN_VIEW = 100;

/** A rollouts row. */
export type RolloutRow = typeof rollouts.$inferSelect;

type ErrorView = RolloutSummaryView["error"];

function errorView(value: Record<string, unknown> | null): ErrorView {
  if (value === null || typeof value.reason !== "string" || typeof value.message !== "string") {
    return null;
  }
  return {
    reason: value.reason,
    message: value.message,
    step_index: typeof value.step_index === "number" ? value.step_index : null,
    node_ids: Array.isArray(value.node_ids) ? value.node_ids.map(String) : [],
    details:
      typeof value.details === "object" && value.details !== null
        ? (value.details as Record<string, unknown>)
        : {},
  };
}

/** API shape of a rollouts row. */
export function toRolloutSummary(row: RolloutRow): RolloutSummaryView {
  const p = row.progress;
  const count = (key: string) => (typeof p[key] === "number" ? p[key] : 0);
  const progress = {
    ...Object.fromEntries(NODE_STATUSES.map((s) => [s, count(s)])),
    total: count("total"),
  } as RolloutSummaryView["progress"];
  return {
    id: row.id,
    project_id: row.projectId,
    bundle_id: row.bundleId,
    state: row.state,
    strategy: row.strategy,
    current_step: row.currentStep,
    step_count: row.stepCount,
    progress,
    approvals_required: count("approvals_required"),
    error: errorView(row.error),
    created_by: row.createdBy,
    created_at: iso(row.createdAt),
    scheduled_at: iso(row.scheduledAt),
    started_at: iso(row.startedAt),
    completed_at: iso(row.completedAt),
    updated_at: iso(row.updatedAt),
    next_tick_at: iso(row.nextTickAt),
  };
}

/** The rollout `id` of the project, or 404 (another project's rollout is 404 too). */
export async function requireRollout(
  services: Pick<Services, "db">,
  projectId: string,
  id: string,
): Promise<RolloutRow> {
  const [row] = await services.db
    .select()
    .from(rollouts)
    .where(and(eq(rollouts.id, id), eq(rollouts.projectId, projectId)))
    .limit(1);
  if (!row) {
    throw notFound(`Rollout ${id}`);
  }
  return row;
}

/** The full view: summary, spec, started steps and approval decisions. */
export async function rolloutView(
  services: Pick<Services, "db">,
  row: RolloutRow,
): Promise<RolloutView> {
  const [steps, approvals] = await Promise.all([
    services.db
      .select()
      .from(rolloutSteps)
      .where(eq(rolloutSteps.rolloutId, row.id))
      .orderBy(desc(rolloutSteps.stepIndex))
      .limit(MAX_STEPS_IN_VIEW),
    services.db
      .select()
      .from(rolloutApprovals)
      .where(eq(rolloutApprovals.rolloutId, row.id))
      .orderBy(asc(rolloutApprovals.createdAt)),
  ]);
  return {
    ...toRolloutSummary(row),
    spec: row.spec,
    steps: steps.reverse().map((s) => ({
      index: s.stepIndex,
      state: s.state,
      node_count: s.nodeCount,
      started_at: iso(s.startedAt),
      completed_at: iso(s.completedAt),
      analysis: s.analysis,
      error: errorView(s.error),
    })),
    approvals: approvals.map((a) => ({
      actor_id: a.actorId,
      decision: a.decision,
      comment: a.comment,
      created_at: iso(a.createdAt),
    })),
  };
}

/** Reads the rollout again (after a command) and renders the full view. */
export async function freshRolloutView(
  services: Pick<Services, "db">,
  projectId: string,
  id: string,
): Promise<RolloutView> {
  return rolloutView(services, await requireRollout(services, projectId, id));
}
