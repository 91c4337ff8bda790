/**
 * The D1 rows of a new rollout: the rollouts row and one rollout_nodes row per planned
 * (`pending`) and skipped node, in one batch. D1 runs a batch as one transaction and serialises
 * writers, so the conflict check inside it is atomic: the rollouts row is inserted only when no
 * planned node is held by another active rollout, and the node rows only when the rollouts row
 * was. Two concurrent creations over the same node cannot both succeed.
 */
import type { RolloutSummary } from "../../src/domain/rollout";
import { HELD_NODES_CONDITION } from "../../src/services/rollout-queries";
import type { CreateRolloutRequest } from "./contract";
import { progressJson } from "./execute";

/** Node rows per insert statement (one JSON parameter of ~70 bytes per row). */
export const NODE_ROWS_PER_STATEMENT = 2_000;

/**
 * `step_index` of a node the planner skipped: it belongs to no step (the column is NOT NULL).
 * The API shows it as `null`.
 */
export const UNPLANNED_STEP_INDEX = -1;

/** The `rollouts.created_by` text: `<actor type>:<actor id>`, as bundles record it. */
export function createdByText(req: Pick<CreateRolloutRequest, "actor">): string {
  return `${req.actor.type}:${req.actor.id}`;
}

/** The creation batch; its first statement's `changes` says whether the rollout was created. */
export function creationStatements(
  d1: D1Database,
  req: CreateRolloutRequest,
  summary: RolloutSummary,
  nextTickAt: number | null,
  now: number,
): D1PreparedStatement[] {
  const planned = req.steps.flat();
  const rollout = d1
    .prepare(
      `INSERT INTO rollouts (id, project_id, bundle_id, state, strategy, spec, progress,
         current_step, step_count, error, created_by, created_by_user_id, scheduled_at, started_at,
         completed_at, next_tick_at, created_at, updated_at)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, NULL, ?, ?, ?
       WHERE NOT ${HELD_NODES_CONDITION}`,
    )
    .bind(
      req.id,
      req.projectId,
      req.bundleId,
      summary.state,
      summary.strategy,
      req.specRecord,
      JSON.stringify(progressJson(summary)),
      summary.stepIndex,
      summary.stepCount,
      createdByText(req),
      req.actor.type === "user" ? req.actor.id : null,
      summary.scheduledAt,
      summary.startedAt,
      nextTickAt,
      now,
      now,
      JSON.stringify(planned),
    );
  const rows: Array<[string, number, "pending" | "skipped", string | null]> = [];
  req.steps.forEach((ids, step) => {
    for (const id of ids) {
      rows.push([id, step, "pending", null]);
    }
  });
  for (const s of req.skipped) {
    rows.push([s.nodeId, UNPLANNED_STEP_INDEX, "skipped", s.reason]);
  }
  const nodeStatements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += NODE_ROWS_PER_STATEMENT) {
    nodeStatements.push(
      d1
        .prepare(
          `INSERT INTO rollout_nodes (rollout_id, node_id, step_index, state, error, updated_at)
           SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'),
             json_extract(value, '$[2]'), json_extract(value, '$[3]'), ?
           FROM json_each(?) WHERE EXISTS (SELECT 1 FROM rollouts WHERE id = ?)`,
        )
        .bind(req.id, now, JSON.stringify(rows.slice(i, i + NODE_ROWS_PER_STATEMENT)), req.id),
    );
  }
  return [rollout, ...nodeStatements];
}

/** Whether the rollouts row exists (to settle a creation batch whose outcome is unknown). */
export async function rolloutRowExists(d1: D1Database, id: string): Promise<boolean> {
  const row = await d1.prepare("SELECT 1 AS found FROM rollouts WHERE id = ?").bind(id).first();
  return row !== null;
}
