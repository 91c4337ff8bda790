/**
 * D1 queries shared by the rollout routes, the rollout service and RolloutDO: which nodes are
 * held by active rollouts, active freeze windows, active rollouts of a bundle. Node id lists
 * travel as one JSON parameter (`json_each`), so a 10,000-node target is one statement instead
 * of a hundred 100-parameter ones.
 */
import { ACTIVE_ROLLOUT_STATES } from "../domain/rollout";

/**
 * `rollout_nodes.step_index` of a node the planner skipped: it belongs to no step (the column
 * is NOT NULL). The API shows it as `null`.
 */
export const UNPLANNED_STEP_INDEX = -1;

/** `IN (…)` list of the active rollout states, inlined (constants, not user input). */
export const ACTIVE_STATES_SQL = ACTIVE_ROLLOUT_STATES.map((s) => `'${s}'`).join(", ");

/**
 * SQL condition: some node of the JSON array parameter is held by an active rollout. A node the
 * planner skipped in a rollout is not held by it.
 */
export const HELD_NODES_CONDITION = `EXISTS (
  SELECT 1 FROM rollout_nodes rn JOIN rollouts r ON r.id = rn.rollout_id
  WHERE rn.node_id IN (SELECT value FROM json_each(?)) AND rn.state <> 'skipped'
    AND r.state IN (${ACTIVE_STATES_SQL}))`;

/** The nodes among `nodeIds` held by an active rollout (other than `exceptRolloutId`). */
export async function nodesInActiveRollouts(
  d1: D1Database,
  nodeIds: readonly string[],
  exceptRolloutId: string | null = null,
): Promise<Set<string>> {
  if (nodeIds.length === 0) {
    return new Set();
  }
  const { results } = await d1
    .prepare(
      `SELECT DISTINCT rn.node_id AS node_id
       FROM rollout_nodes rn JOIN rollouts r ON r.id = rn.rollout_id
       WHERE rn.node_id IN (SELECT value FROM json_each(?)) AND rn.state <> 'skipped'
         AND r.state IN (${ACTIVE_STATES_SQL}) AND r.id IS NOT ?`,
    )
    .bind(JSON.stringify(nodeIds), exceptRolloutId)
    .all<{ node_id: string }>();
  return new Set(results.map((r) => r.node_id));
}

/** A freeze window as the engine needs it. */
export interface FreezeWindowRef {
  readonly id: string;
  readonly name: string;
  readonly endsAt: number;
}

/**
 * The project's freeze window active at `now` that ends last (overlapping windows chain), or
 * `null` when none is active.
 */
export async function activeFreezeWindow(
  d1: D1Database,
  projectId: string,
  now: number,
): Promise<FreezeWindowRef | null> {
  const row = await d1
    .prepare(
      `SELECT id, name, ends_at FROM freeze_windows
       WHERE project_id = ? AND starts_at <= ? AND ends_at > ?
       ORDER BY ends_at DESC LIMIT 1`,
    )
    .bind(projectId, now, now)
    .first<{ id: string; name: string; ends_at: number }>();
  return row === null ? null : { id: row.id, name: row.name, endsAt: row.ends_at };
}

/** Ids of the project's active rollouts of `bundleId`. */
export async function activeRolloutsOfBundle(
  d1: D1Database,
  projectId: string,
  bundleId: string,
): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT id FROM rollouts
       WHERE project_id = ? AND bundle_id = ? AND state IN (${ACTIVE_STATES_SQL})`,
    )
    .bind(projectId, bundleId)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
