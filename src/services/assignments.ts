import type { Services } from "./index";

/**
 * Node ids per statement. D1 binds at most 100 parameters per statement; each statement below
 * binds at most 7 fixed parameters plus one per node.
 */
export const ASSIGN_NODES_PER_STATEMENT = 90;

/** A desired-bundle assignment for a set of nodes of one project. */
export interface BundleAssignment {
  /** Guards every statement: nodes of other projects are never touched, whatever the ids say. */
  projectId: string;
  nodeIds: readonly string[];
  /** A compiled bundle of that project (callers check; this helper only writes). */
  bundleId: string;
  /** The rollout that owns the assignment; null for a direct operator assignment. */
  rolloutId: string | null;
  /** Offer with `rollback: true`, so agents accept a lower sequence than the one they run. */
  rollback: boolean;
}

/**
 * The D1 statements that make `bundleId` the desired bundle of `nodeIds`: they set
 * `nodes.desired_*` (and start the drift clock where the node does not already run it) and
 * record the (node, bundle) pair in `node_assignments`, which the download route checks. Revoked
 * nodes are skipped. Nothing is executed: callers put these into their own `d1.batch()` with
 * their other writes, so assignment and bookkeeping commit together.
 *
 * `+project_id` (a unary plus) stops SQLite from choosing the project index, which would scan
 * every node of the project; the primary key on `id IN (…)` touches only the listed nodes.
 */
export function assignBundle(
  services: Pick<Services, "d1" | "clock">,
  assignment: BundleAssignment,
): D1PreparedStatement[] {
  const now = services.clock.now();
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < assignment.nodeIds.length; i += ASSIGN_NODES_PER_STATEMENT) {
    const ids = assignment.nodeIds.slice(i, i + ASSIGN_NODES_PER_STATEMENT);
    const placeholders = ids.map(() => "?").join(", ");
    statements.push(
      services.d1
        .prepare(
          `UPDATE nodes SET desired_bundle_id = ?, desired_rollout_id = ?, desired_is_rollback = ?,
             desired_set_at = ?,
             diverged_since = CASE WHEN active_bundle_id IS ? THEN NULL
                                   ELSE COALESCE(diverged_since, ?) END
           WHERE +project_id = ? AND revoked_at IS NULL AND id IN (${placeholders})`,
        )
        .bind(
          assignment.bundleId,
          assignment.rolloutId,
          assignment.rollback ? 1 : 0,
          now,
          assignment.bundleId,
          now,
          assignment.projectId,
          ...ids,
        ),
      services.d1
        .prepare(
          `INSERT OR IGNORE INTO node_assignments (node_id, bundle_id, first_assigned_at)
           SELECT id, ?, ? FROM nodes
           WHERE +project_id = ? AND revoked_at IS NULL AND id IN (${placeholders})`,
        )
        .bind(assignment.bundleId, now, assignment.projectId, ...ids),
    );
  }
  return statements;
}
