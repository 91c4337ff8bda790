/** Helpers for cron tests: run the real `scheduled` handler at a chosen time. */
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import worker from "../../src/index";

/**
 * Runs every cron task through the Worker's scheduled handler at `scheduledTime`. `bindings`
 * replaces bindings for this run (e.g. a fake ROLLOUTS namespace).
 */
export async function runCron(
  scheduledTime: number,
  bindings: Partial<typeof env> = {},
): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ scheduledTime, cron: "* * * * *" }),
    { ...env, ...bindings },
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

/** Sets columns of a row directly (test fixture); `values` maps SQL column → value. */
export async function setRow(
  table: "nodes" | "projects" | "bundles" | "rollouts",
  id: string,
  values: Record<string, string | number | null>,
): Promise<void> {
  const columns = Object.keys(values);
  await env.DB.prepare(
    `UPDATE ${table} SET ${columns.map((c) => `${c} = ?`).join(", ")} WHERE id = ?`,
  )
    .bind(...columns.map((c) => values[c] ?? null), id)
    .run();
}

/** Replaces a project's settings JSON. */
export function setSettings(projectId: string, settings: Record<string, unknown>) {
  return setRow("projects", projectId, { settings: JSON.stringify(settings) });
}

/** Event types of a project, oldest first, optionally only those with this prefix. */
export async function eventTypes(projectId: string, prefix = ""): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT type FROM events WHERE project_id = ? AND type LIKE ? ORDER BY created_at, rowid",
  )
    .bind(projectId, `${prefix}%`)
    .all<{ type: string }>();
  return results.map((r) => r.type);
}

/** Inserts a rollouts summary row (the rollout engine's table) directly; returns its id. */
export async function insertRollout(
  projectId: string,
  bundleId: string,
  fields: { state: string; nextTickAt?: number | null; scheduledAt?: number | null },
): Promise<string> {
  const id = crypto.randomUUID();
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO rollouts (id, project_id, bundle_id, state, strategy, spec, created_by,
       scheduled_at, next_tick_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'rolling', '{}', 'test', ?, ?, ?, ?)`,
  )
    .bind(
      id,
      projectId,
      bundleId,
      fields.state,
      fields.scheduledAt ?? null,
      fields.nextTickAt ?? null,
      now,
      now,
    )
    .run();
  return id;
}

/** Records that a rollout moved `nodeId` off `previousBundleId` (its rollback target). */
export async function insertRolloutNode(
  rolloutId: string,
  nodeId: string,
  previousBundleId: string,
): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO rollout_nodes (rollout_id, node_id, step_index, state, previous_bundle_id,
       updated_at) VALUES (?, ?, 0, 'assigned', ?, ?)`,
  )
    .bind(rolloutId, nodeId, previousBundleId, Date.now())
    .run();
}
