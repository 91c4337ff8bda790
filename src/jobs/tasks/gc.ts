import type { Actor } from "../../auth/principal";
import type { Services } from "../../services";
import { type CronTask, registerCronTask } from "../cron";

/** Default of the project setting `bundle_retention_count`. */
export const DEFAULT_BUNDLE_RETENTION_COUNT = 20;
/**
 * No bundle is collected within this time of its last submission or compile: a bundle a caller
 * was just handed (202/200) stays retrievable however many bundles follow it.
 */
export const BUNDLE_GC_GRACE_MS = 60 * 60 * 1000;
/** Bundles that failed to compile are removed this long after their last submission. */
export const STALE_BUNDLE_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** A collected bundle's row is kept this long as a tombstone (410 with the reason), then removed. */
export const BUNDLE_TOMBSTONE_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** Bundles marked, objects deleted and rows removed per step per run. */
export const GC_BATCH_LIMIT = 100;

/** The audit actor of garbage collection. */
export const GC_ACTOR: Actor = { type: "system", id: "gc", label: "bundle garbage collection" };

/**
 * SQL condition: bundle `b` is in use and is never collected. A node runs, stages, is meant to
 * run or is pinned to it, or any rollout (finished ones too: they can still be rolled back, and
 * their history names the bundle) deploys it or may roll back to it.
 */
const IN_USE = `(
  EXISTS (SELECT 1 FROM nodes n WHERE n.active_bundle_id = b.id)
  OR EXISTS (SELECT 1 FROM nodes n WHERE n.desired_bundle_id = b.id)
  OR EXISTS (SELECT 1 FROM nodes n WHERE n.project_id = b.project_id
             AND (n.staged_bundle_id = b.id OR n.pinned_bundle_id = b.id))
  OR b.id IN (SELECT r.bundle_id FROM rollouts r)
  OR b.id IN (SELECT rn.previous_bundle_id FROM rollout_nodes rn
              WHERE rn.previous_bundle_id IS NOT NULL)
)`;

/** The project's `bundle_retention_count`, at least 1. */
const RETENTION = `MAX(1, COALESCE(CAST(json_extract(p.settings, '$.bundle_retention_count') AS INTEGER), ${DEFAULT_BUNDLE_RETENTION_COUNT}))`;

/** When the bundle last moved: its last submission, or its compile if that came later. */
const LAST_ACTIVITY =
  "MAX(COALESCE(last_submitted_at, created_at), COALESCE(compiled_at, 0)) AS last_activity";

interface Marked {
  id: string;
  project_id: string;
  status: string;
}

/**
 * Step 1: soft-deletes (deleted_at, with the reason) what is no longer kept, in one statement
 * each so the "in use" and grace checks and the write see the same state (a concurrent
 * resubmission either lands before and restarts the grace period, or finds the bundle
 * collected and resubmits it):
 * - compiled bundles beyond the newest `bundle_retention_count` of their project, with no
 *   submission or compile in the last hour;
 * - bundles that failed to compile, last submitted over 7 days ago and not among the project's
 *   newest `bundle_retention_count` submissions.
 * Pending and compiling bundles are never collected: a compile is in flight or owed. Revoked
 * bundles are never collected: their row is what keeps revoked content from coming back.
 * Marking also fixes the archive key to delete (the canonical one when none was recorded, in
 * case an upload left an object there), which holds off resubmissions until it is deleted.
 */
async function markUnused(services: Services, now: number): Promise<Marked[]> {
  const mark = (ranked: string, condition: string, reason: string, ...params: number[]) =>
    services.d1
      .prepare(
        `UPDATE bundles SET deleted_at = ?1, gc_reason = ${reason},
           storage_key = COALESCE(storage_key, 'bundles/' || project_id || '/' || id || '.tar.zst')
         WHERE deleted_at IS NULL AND id IN (
           SELECT b.id FROM (${ranked}) b JOIN projects p ON p.id = b.project_id
           WHERE ${condition} AND NOT ${IN_USE}
           LIMIT ?2)
         RETURNING id, project_id, status`,
      )
      .bind(now, GC_BATCH_LIMIT, ...params);
  const retentionOfRow = `(SELECT ${RETENTION} FROM projects p WHERE p.id = bundles.project_id)`;
  const graceMinutes = Math.round(BUNDLE_GC_GRACE_MS / 60_000);
  const staleDays = Math.round(STALE_BUNDLE_AGE_MS / 86_400_000);
  const [compiled, stale] = await services.d1.batch<Marked>([
    mark(
      `SELECT id, project_id, ${LAST_ACTIVITY}, ROW_NUMBER() OVER (
         PARTITION BY project_id ORDER BY sequence DESC) AS rn
       FROM bundles WHERE status = 'compiled' AND deleted_at IS NULL`,
      `b.rn > ${RETENTION} AND b.last_activity < ?3`,
      `'not among the project''s newest ' || ${retentionOfRow} ||
         ' compiled bundles, not used by any node or rollout, and not submitted for ${graceMinutes} minutes'`,
      now - BUNDLE_GC_GRACE_MS,
    ),
    mark(
      `SELECT id, project_id, status, ${LAST_ACTIVITY}, ROW_NUMBER() OVER (
         PARTITION BY project_id ORDER BY sequence DESC) AS rn
       FROM bundles WHERE status <> 'revoked' AND deleted_at IS NULL`,
      `b.status = 'failed' AND b.last_activity < ?3 AND b.rn > ${RETENTION}`,
      `'the compile failed and the content was not submitted again for ${staleDays} days'`,
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
 * Step 2: deletes the R2 archives of soft-deleted bundles, then forgets their storage key and
 * compacts the row into a tombstone (no files, manifest or outputs). An object whose delete
 * failed keeps its key and is retried next run; resubmitting that content waits for it (409).
 */
async function deleteObjects(services: Services): Promise<number> {
  const { results } = await services.d1
    .prepare(
      `SELECT id, storage_key FROM bundles
       WHERE deleted_at IS NOT NULL AND storage_key IS NOT NULL LIMIT ?`,
    )
    .bind(GC_BATCH_LIMIT)
    .all<{ id: string; storage_key: string }>();
  if (results.length === 0) {
    return 0;
  }
  await services.bundleStore.delete(results.map((r) => r.storage_key));
  await services.d1.batch(
    results.map((r) =>
      services.d1
        .prepare(
          `UPDATE bundles SET storage_key = NULL, files = '{}', manifest = NULL,
             compiler_output = NULL, diagnostics = '[]'
           WHERE id = ? AND deleted_at IS NOT NULL AND storage_key = ?`,
        )
        .bind(r.id, r.storage_key),
    ),
  );
  return results.length;
}

/**
 * Step 3: removes tombstones older than {@link BUNDLE_TOMBSTONE_RETENTION_MS} whose archive is
 * gone. Rows a rollout names are never collected in the first place; the check stays for
 * tombstones written before that rule. Their download permissions and secret references go
 * with them: a reference row outliving its bundle would name secrets for a bundle id that no
 * longer exists (and would be served again if that id were ever recreated).
 */
async function removeRows(services: Services, now: number): Promise<number> {
  const { results } = await services.d1
    .prepare(
      `DELETE FROM bundles WHERE id IN (
         SELECT b.id FROM bundles b
         WHERE b.deleted_at IS NOT NULL AND b.deleted_at < ? AND b.storage_key IS NULL
           AND NOT ${IN_USE}
         LIMIT ?)
       RETURNING id`,
    )
    .bind(now - BUNDLE_TOMBSTONE_RETENTION_MS, GC_BATCH_LIMIT)
    .all<{ id: string }>();
  if (results.length > 0) {
    await services.d1.batch(
      results.flatMap((r) => [
        services.d1.prepare("DELETE FROM node_assignments WHERE bundle_id = ?").bind(r.id),
        services.d1.prepare("DELETE FROM bundle_secret_refs WHERE bundle_id = ?").bind(r.id),
      ]),
    );
  }
  return results.length;
}

/**
 * Bundle garbage collection. Keeps each project's newest `bundle_retention_count` (default 20)
 * compiled bundles, every bundle submitted or compiled in the last hour, every pending or
 * compiling bundle, every revoked bundle, and every bundle in use (nodes: active, staged,
 * desired, pinned; any rollout: its bundle and its rollback targets). The rest is collected:
 * archive deleted, row kept 30 days as a tombstone (the API answers 410 with the reason), then
 * removed. Failed bundles go a week after their last submission. Submitting collected content
 * again compiles it again.
 */
export const bundleGcTask: CronTask = {
  name: "bundle-gc",
  async run(services, scheduledTime) {
    const marked = await markUnused(services, scheduledTime);
    await auditMarked(services, marked);
    const objects = await deleteObjects(services);
    const removed = await removeRows(services, scheduledTime);
    return { marked: marked.length, objects_deleted: objects, rows_removed: removed };
  },
};

registerCronTask(bundleGcTask);
