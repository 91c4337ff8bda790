/**
 * Runs outbox work items: builds the D1 statements of each write and appends audit entries and
 * events. Every statement is idempotent (guarded updates, upserts, INSERT OR IGNORE), so an
 * item interrupted half-way can run again. Node id lists travel as one JSON parameter
 * (`json_each`), keeping every statement far below D1's 100 bound parameters.
 *
 * Cost: statements over a node list must look nodes up by primary key, once per listed node.
 * A unary `+` on the other filter columns (`+project_id`) keeps SQLite from choosing their
 * indexes instead, which would scan the whole project or every node desiring the bundle.
 */
import type { JsonObject } from "../../src/domain/json";
import type { RolloutError, RolloutSummary } from "../../src/domain/rollout";
import { assertNever } from "../../src/domain/rollout";
import type { Clock } from "../../src/services";
import { assignBundle } from "../../src/services/assignments";
import type { AuditService, EventInput } from "../../src/services/audit";
import type { D1Write, EventRecord, WorkItem } from "./work";

/** What running work needs: bindings and the rollout's identity. */
export interface ExecuteContext {
  readonly d1: D1Database;
  readonly clock: Clock;
  readonly audit: AuditService;
  readonly projectId: string;
  readonly orgId: string;
  readonly rolloutId: string;
  /**
   * Called once a batch that changed nodes' desired bundle committed, with those nodes: the
   * shell tells their push shards (best effort; the nodes' polls see the same rows).
   */
  readonly desiredChanged?: (nodeIds: readonly string[]) => void;
}

/** Nodes whose desired bundle a write may change (the push fan-out of a committed batch). */
export function desiredChangedBy(writes: readonly D1Write[]): string[] {
  const ids = new Set<string>();
  for (const w of writes) {
    if (w.op === "assign" || w.op === "assign_if" || w.op === "unassign") {
      for (const id of w.nodeIds) {
        ids.add(id);
      }
    }
  }
  return [...ids];
}

/** Rank of the rollout node states a node moves through forwards (others: -1). */
const PROGRESS_RANK_SQL = (column: string) =>
  `CASE ${column} WHEN 'pending' THEN 0 WHEN 'assigned' THEN 1 WHEN 'staged' THEN 2 ` +
  `WHEN 'active' THEN 3 WHEN 'verified' THEN 4 ELSE -1 END`;

/** The error column / API shape of a rollout error. */
export function errorJson(error: RolloutError | null): JsonObject | null {
  if (error === null) {
    return null;
  }
  return {
    reason: error.reason,
    message: error.message,
    step_index: error.stepIndex,
    node_ids: [...error.nodeIds],
    details: error.details,
  };
}

/** The rollouts.progress JSON: node counts, total and approvals. */
export function progressJson(summary: RolloutSummary): Record<string, number> {
  return {
    ...summary.progress,
    approvals: summary.approvals,
    approvals_required: summary.approvalsRequired,
  };
}

const json = (value: unknown) => (value === null ? null : JSON.stringify(value));

/**
 * True when an update would move a row backwards: the report route moves rows forward on its
 * own (staged/active/verified/failed), so the shell's view may trail it by a moment. Such an
 * update keeps the row's state; its other fields (previous bundle, assignment time) still apply.
 */
const REGRESSES =
  `(u.state IN ('assigned', 'staged', 'active', 'verified') AND ` +
  `(rollout_nodes.state = 'failed' OR ` +
  `${PROGRESS_RANK_SQL("rollout_nodes.state")} > ${PROGRESS_RANK_SQL("u.state")}))`;

/**
 * Applies per-node status updates (one JSON parameter for up to NODES_PER_WRITE rows). The
 * MATERIALIZED CTE makes the update rows the outer loop with a primary-key lookup each, so the
 * cost follows the updates, not the rollout's size (joined directly, SQLite scans every row of
 * the rollout against the JSON array).
 */
function nodesStatement(ctx: ExecuteContext, write: Extract<D1Write, { op: "nodes" }>) {
  const rows = write.updates.map((u) => [u.nodeId, u.status, u.at, u.error, u.previousBundleId]);
  return ctx.d1
    .prepare(
      `WITH u AS MATERIALIZED (
         SELECT json_extract(value, '$[0]') AS node_id, json_extract(value, '$[1]') AS state,
           json_extract(value, '$[2]') AS at, json_extract(value, '$[3]') AS error,
           json_extract(value, '$[4]') AS prev
         FROM json_each(?))
       UPDATE rollout_nodes SET
         state = CASE WHEN ${REGRESSES} THEN rollout_nodes.state ELSE u.state END,
         error = CASE WHEN ${REGRESSES} THEN rollout_nodes.error ELSE u.error END,
         updated_at = CASE WHEN ${REGRESSES} THEN rollout_nodes.updated_at ELSE u.at END,
         previous_bundle_id = COALESCE(u.prev, rollout_nodes.previous_bundle_id),
         assigned_at = CASE WHEN u.state = 'assigned'
                            THEN COALESCE(rollout_nodes.assigned_at, u.at)
                            ELSE rollout_nodes.assigned_at END,
         activated_at = CASE WHEN u.state IN ('active', 'verified')
                             THEN COALESCE(rollout_nodes.activated_at, u.at)
                             ELSE rollout_nodes.activated_at END
       FROM u
       WHERE rollout_nodes.rollout_id = ? AND rollout_nodes.node_id = u.node_id`,
    )
    .bind(JSON.stringify(rows), ctx.rolloutId);
}

/** The statements of one write (exactly `statementCount(write)` of them). */
export function statementsFor(ctx: ExecuteContext, write: D1Write): D1PreparedStatement[] {
  const { d1, rolloutId, projectId } = ctx;
  const now = ctx.clock.now();
  switch (write.op) {
    case "assign":
      return assignBundle(ctx, {
        projectId,
        nodeIds: write.nodeIds,
        bundleId: write.bundleId,
        rolloutId,
        rollback: write.rollback,
      });
    case "assign_if": {
      const ids = JSON.stringify(write.nodeIds);
      // Compare-and-set: a node whose desired bundle changed since (operator, newer rollout)
      // keeps it. The download permission follows only where the assignment took.
      return [
        d1
          .prepare(
            `UPDATE nodes SET desired_bundle_id = ?, desired_rollout_id = ?, desired_is_rollback = ?,
               desired_set_at = ?,
               diverged_since = CASE WHEN active_bundle_id IS ? THEN NULL
                                     ELSE COALESCE(diverged_since, ?) END
             WHERE +project_id = ? AND revoked_at IS NULL AND +desired_bundle_id = ?
               AND id IN (SELECT value FROM json_each(?))`,
          )
          .bind(
            write.bundleId,
            rolloutId,
            write.rollback ? 1 : 0,
            now,
            write.bundleId,
            now,
            projectId,
            write.ifDesiredBundleId,
            ids,
          ),
        d1
          .prepare(
            `INSERT OR IGNORE INTO node_assignments (node_id, bundle_id, first_assigned_at)
             SELECT id, ?, ? FROM nodes
             WHERE +project_id = ? AND revoked_at IS NULL AND +desired_bundle_id = ?
               AND id IN (SELECT value FROM json_each(?))`,
          )
          .bind(write.bundleId, now, projectId, write.bundleId, ids),
      ];
    }
    case "unassign":
      // Only where the node still desires this rollout's bundle. Restoring an older bundle is
      // offered as a rollback so the agent accepts its lower sequence.
      return [
        d1
          .prepare(
            `UPDATE nodes SET desired_bundle_id = ?, desired_rollout_id = NULL,
               desired_is_rollback = ?, desired_set_at = ?,
               diverged_since = CASE WHEN ? IS NULL OR active_bundle_id IS ? THEN NULL
                                     ELSE COALESCE(diverged_since, ?) END
             WHERE +project_id = ? AND +desired_bundle_id = ?
               AND id IN (SELECT value FROM json_each(?))`,
          )
          .bind(
            write.restoreBundleId,
            write.restoreBundleId === null ? 0 : 1,
            now,
            write.restoreBundleId,
            write.restoreBundleId,
            now,
            projectId,
            write.bundleId,
            JSON.stringify(write.nodeIds),
          ),
      ];
    case "rollout": {
      const s = write.summary;
      return [
        d1
          .prepare(
            `UPDATE rollouts SET state = ?, progress = ?, current_step = ?, step_count = ?,
               error = ?, scheduled_at = ?, started_at = ?, completed_at = ?, next_tick_at = ?,
               updated_at = ?
             WHERE id = ?`,
          )
          .bind(
            s.state,
            JSON.stringify(progressJson(s)),
            s.stepIndex,
            s.stepCount,
            json(errorJson(s.error)),
            s.scheduledAt,
            s.startedAt,
            s.finishedAt,
            write.nextTickAt,
            s.updatedAt,
            rolloutId,
          ),
      ];
    }
    case "next_tick":
      return [
        d1
          .prepare("UPDATE rollouts SET next_tick_at = ? WHERE id = ?")
          .bind(write.nextTickAt, rolloutId),
      ];
    case "engine_error":
      return [
        d1
          .prepare("UPDATE rollouts SET error = ?, updated_at = ? WHERE id = ?")
          .bind(JSON.stringify(write.error), write.at, rolloutId),
      ];
    case "step": {
      const s = write.step;
      return [
        d1
          .prepare(
            `INSERT INTO rollout_steps (rollout_id, step_index, state, node_count, started_at,
               completed_at, analysis, error)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (rollout_id, step_index) DO UPDATE SET
               state = excluded.state, node_count = excluded.node_count,
               started_at = COALESCE(rollout_steps.started_at, excluded.started_at),
               completed_at = excluded.completed_at,
               analysis = COALESCE(excluded.analysis, rollout_steps.analysis),
               error = excluded.error`,
          )
          .bind(
            rolloutId,
            s.index,
            s.state,
            s.nodeCount,
            s.startedAt,
            s.finishedAt,
            json(s.analysis),
            json(errorJson(write.error)),
          ),
      ];
    }
    case "nodes":
      return [nodesStatement(ctx, write)];
    case "skip_pending":
      return [
        d1
          .prepare(
            `UPDATE rollout_nodes SET state = 'skipped', updated_at = ?
             WHERE rollout_id = ? AND state = 'pending'`,
          )
          .bind(write.at, rolloutId),
      ];
    case "approval":
      return [
        d1
          .prepare(
            `INSERT OR IGNORE INTO rollout_approvals (id, rollout_id, actor_id, decision, comment,
               created_at) VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .bind(write.id, rolloutId, write.actorId, write.decision, write.comment, write.at),
      ];
    default:
      return assertNever(write, "write");
  }
}

function eventInput(ctx: ExecuteContext, event: EventRecord): EventInput {
  return {
    projectId: ctx.projectId,
    type: event.type,
    severity: event.severity,
    resourceType: "rollout",
    resourceId: ctx.rolloutId,
    payload: event.payload,
  };
}

/** Runs one work item; returns the number of D1 statements it executed (audit: 0). */
export async function runWorkItem(ctx: ExecuteContext, item: WorkItem): Promise<number> {
  switch (item.kind) {
    case "d1": {
      const statements = item.writes.flatMap((w) => statementsFor(ctx, w));
      if (statements.length > 0) {
        await ctx.d1.batch(statements);
      }
      const changed = desiredChangedBy(item.writes);
      if (changed.length > 0) {
        ctx.desiredChanged?.(changed);
      }
      return statements.length;
    }
    case "audit": {
      const events = item.events.map((e) => eventInput(ctx, e));
      if (item.entry === null) {
        await ctx.audit.emit(events);
        return 0;
      }
      await ctx.audit.record(
        {
          orgId: ctx.orgId,
          projectId: ctx.projectId,
          actor: item.entry.actor,
          action: item.entry.action,
          resourceType: "rollout",
          resourceId: ctx.rolloutId,
          diff: { after: item.entry.details },
          requestId: item.requestId,
        },
        events,
      );
      return 0;
    }
    default:
      return assertNever(item, "work item");
  }
}
