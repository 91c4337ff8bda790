import type { Actor } from "../../auth/principal";
import { bundleStorageKey } from "../../db/bundles";
import type { Services } from "../../services";
import { type CronTask, registerCronTask } from "../cron";

/** Default of the project setting `bundle_retention_count`. */
export const DEFAULT_BUNDLE_RETENTION_COUNT = 20;
/** Bundles that never compiled are removed this long after submission. */
export const STALE_BUNDLE_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** Bundles marked, objects deleted and rows removed per step per run. */
export const GC_BATCH_LIMIT = 100;

/** The audit actor of garbage collection. */
export const GC_ACTOR: Actor = { type: "system", id: "gc", label: "bundle garbage collection" };

/** Rollout states in which a rollout may still assign its bundle or roll back to a previous one. */
const ACTIVE_ROLLOUT_STATES =
  "('pending_approval', 'scheduled', 'running', 'paused', 'rolling_back')";

/**
 * SQL condition: bundle `b` is in use. A node runs, stages, is meant to run or is pinned to it,
 * or a rollout that is not finished deploys it or may roll back to it.
 */
const IN_USE = `(
  EXISTS (SELECT 1 FROM nodes n WHERE n.active_bundle_id = b.id)
  OR EXISTS (SELECT 1 FROM nodes n WHERE n.desired_bundle_id = b.id)
  OR EXISTS (SELECT 1 FROM nodes n WHERE n.project_id = b.project_id
             AND (n.staged_bundle_id = b.id OR n.pinned_bundle_id = b.id))
  OR b.id IN (SELECT r.bundle_id FROM rollouts r WHERE r.state IN ${ACTIVE_ROLLOUT_STATES})
  OR b.id IN (SELECT rn.previous_bundle_id FROM rollout_nodes rn
              JOIN rollouts r ON r.id = rn.rollout_id
              WHERE r.state IN ${ACTIVE_ROLLOUT_STATES} AND rn.previous_bundle_id IS NOT NULL)
)`;

/** The project's `bundle_retention_count`, at least 1. */
const RETENTION = `MAX(1, COALESCE(CAST(json_extract(p.settings, '$.bundle_retention_count') AS INTEGER), ${DEFAULT_BUNDLE_RETENTION_COUNT}))`;

interface Marked {
  id: string;
  project_id: string;
  status: string;
}

/**
 * Step 1: soft-deletes (deleted_at) what is no longer kept, in one statement each so the
 * "in use" check and the write see the same state:
 * - compiled bundles beyond the newest `bundle_retention_count` of their project;
 * - bundles that never compiled (pending, compiling, failed), submitted over 7 days ago and not
 *   among the project's newest `bundle_retention_count` submissions (a resubmission takes a new
 *   sequence, so a bundle just sent again is not collected for its old submission time).
 * Revoked bundles are never collected: their row is what keeps revoked content from coming back.
 */
async function markUnused(services: Services, now: number): Promise<Marked[]> {
  const mark = (ranked: string, condition: string, ...params: number[]) =>
    services.d1
      .prepare(
        `UPDATE bundles SET deleted_at = ? WHERE deleted_at IS NULL AND id IN (
           SELECT b.id FROM (${ranked}) b JOIN projects p ON p.id = b.project_id
           WHERE ${condition} AND NOT ${IN_USE}
           LIMIT ?)
         RETURNING id, project_id, status`,
      )
      .bind(now, ...params, GC_BATCH_LIMIT);
  const [compiled, stale] = await services.d1.batch<Marked>([
    mark(
      `SELECT id, project_id, ROW_NUMBER() OVER (
         PARTITION BY project_id ORDER BY sequence DESC) AS rn
       FROM bundles WHERE status = 'compiled' AND deleted_at IS NULL`,
      `b.rn > ${RETENTION}`,
    ),
    mark(
      `SELECT id, project_id, status, created_at, ROW_NUMBER() OVER (
         PARTITION BY project_id ORDER BY sequence DESC) AS rn
       FROM bundles WHERE status <> 'revoked' AND deleted_at IS NULL`,
      `b.status IN ('pending', 'compiling', 'failed') AND b.created_at < ? AND b.rn > ${RETENTION}`,
      now - STALE_BUNDLE_AGE_MS,
    ),
  ]);
  return [...(compiled?.results ?? []), ...(stale?.results ?? [])];
}

/** One audit entry per project listing the bundles collected in this run. */
async function auditMarked(services: Services, marked: readonly Marked[]): Promise<void> {
  const byProject = new Map<string, Marked[]>();
  for (const m of marked) {
    byProject.set(m.project_id, [...(byProject.get(m.project_id) ?? []), m]);
  }
  if (byProject.size === 0) {
    return;
  }
  const projectIds = [...byProject.keys()];
  const orgOf = new Map<string, string>();
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < projectIds.length; i += 90) {
    const ids = projectIds.slice(i, i + 90);
    const { results } = await services.d1
      .prepare(`SELECT id, org_id FROM projects WHERE id IN (${ids.map(() => "?").join(", ")})`)
      .bind(...ids)
      .all<{ id: string; org_id: string }>();
    for (const p of results) {
      orgOf.set(p.id, p.org_id);
    }
  }
  for (const [projectId, list] of byProject) {
    const orgId = orgOf.get(projectId);
    if (orgId === undefined) {
      continue; // the project is gone; there is no chain left to record in
    }
    await services.audit.record({
      orgId,
      projectId,
      actor: GC_ACTOR,
      action: "bundle.garbage_collected",
      resourceType: "bundle",
      diff: { before: { bundles: list.map((m) => ({ bundle_id: m.id, status: m.status })) } },
      requestId: services.requestId,
    });
  }
}

/**
 * Step 2: deletes the R2 archives of soft-deleted bundles, then forgets their storage key. An
 * object whose delete failed keeps its key and is retried next run.
 */
async function deleteObjects(services: Services, marked: readonly Marked[]): Promise<number> {
  const { results } = await services.d1
    .prepare(
      `SELECT id, project_id, storage_key FROM bundles
       WHERE deleted_at IS NOT NULL AND storage_key IS NOT NULL LIMIT ?`,
    )
    .bind(GC_BATCH_LIMIT)
    .all<{ id: string; project_id: string; storage_key: string }>();
  // Bundles that never compiled have no key; an upload whose result was never recorded could
  // still have left an object at the canonical key, so that is deleted too (a no-op otherwise).
  const keys = new Set([
    ...results.map((r) => r.storage_key),
    ...marked.map((m) => bundleStorageKey(m.project_id, m.id)),
  ]);
  if (keys.size === 0) {
    return 0;
  }
  await services.bundleStore.delete([...keys]);
  if (results.length > 0) {
    await services.d1.batch(
      results.map((r) =>
        services.d1
          .prepare(
            "UPDATE bundles SET storage_key = NULL WHERE id = ? AND deleted_at IS NOT NULL AND storage_key = ?",
          )
          .bind(r.id, r.storage_key),
      ),
    );
  }
  return keys.size;
}

/**
 * Step 3: removes soft-deleted rows whose archive is gone, unless a rollout (of any state)
 * names them: rollout history keeps its bundle rows. Their download permissions go with them.
 */
async function removeRows(services: Services): Promise<number> {
  const { results } = await services.d1
    .prepare(
      `DELETE FROM bundles WHERE id IN (
         SELECT b.id FROM bundles b
         WHERE b.deleted_at IS NOT NULL AND b.storage_key IS NULL
           AND b.id NOT IN (SELECT bundle_id FROM rollouts)
           AND b.id NOT IN (SELECT previous_bundle_id FROM rollout_nodes
                            WHERE previous_bundle_id IS NOT NULL)
           AND NOT ${IN_USE}
         LIMIT ?)
       RETURNING id`,
    )
    .bind(GC_BATCH_LIMIT)
    .all<{ id: string }>();
  if (results.length > 0) {
    await services.d1.batch(
      results.map((r) =>
        services.d1.prepare("DELETE FROM node_assignments WHERE bundle_id = ?").bind(r.id),
      ),
    );
  }
  return results.length;
}

/**
 * Bundle garbage collection: keeps each project's newest `bundle_retention_count` (default 20)
 * compiled bundles plus every bundle in use (nodes: active, staged, desired, pinned; unfinished
 * rollouts: their bundle and their rollback targets), soft-deletes the rest with their R2
 * archives, and drops bundles that never compiled a week after submission. Rows a rollout
 * references stay (soft-deleted); others are removed. Submitting deleted content again simply
 * compiles it again.
 */
export const bundleGcTask: CronTask = {
  name: "bundle-gc",
  async run(services, scheduledTime) {
    const marked = await markUnused(services, scheduledTime);
    await auditMarked(services, marked);
    const objects = await deleteObjects(services, marked);
    const removed = await removeRows(services);
    return { marked: marked.length, objects_deleted: objects, rows_removed: removed };
  },
};

registerCronTask(bundleGcTask);
