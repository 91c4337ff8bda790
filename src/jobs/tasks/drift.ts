import type { Actor } from "../../auth/principal";
import type { Services } from "../../services";
import { assignBundle } from "../../services/assignments";
import type { EventInput } from "../../services/audit";
import { type CronTask, registerCronTask } from "../cron";

/** Default of the project setting `drift_grace_seconds`. */
export const DEFAULT_DRIFT_GRACE_S = 300;
/** Drift events opened per run (a larger backlog drains over the next runs, oldest first). */
export const DRIFT_DETECT_LIMIT = 200;
/** Open drift events resolved per run. */
export const DRIFT_RESOLVE_LIMIT = 200;
/** Re-assignments per run when `drift_auto_remediate` is on. */
export const DRIFT_REMEDIATE_LIMIT = 50;

/** The audit actor of drift bookkeeping. */
export const DRIFT_ACTOR: Actor = { type: "system", id: "drift", label: "drift detection" };

/** Why an open drift event ended. */
type Resolution = "converged" | "unassigned" | "superseded" | "node_removed";

interface OpenDrift {
  id: string;
  project_id: string;
  node_id: string;
  node_name: string | null;
  expected_bundle_id: string | null;
  actual_bundle_id: string | null;
  detected_at: number;
  resolution: Resolution;
}

/**
 * Open drift events whose node no longer drifts from the bundle the event names: it runs it
 * now (converged), nothing is desired any more, something else is desired now (superseded; a new
 * event follows if the node still differs), or the node is gone.
 */
async function resolveDrift(services: Services, now: number): Promise<number> {
  const { results } = await services.d1
    .prepare(
      `SELECT d.id, d.project_id, d.node_id, n.name AS node_name, d.expected_bundle_id,
         d.actual_bundle_id, d.detected_at,
         CASE WHEN n.id IS NULL OR n.revoked_at IS NOT NULL THEN 'node_removed'
              WHEN n.desired_bundle_id IS NULL THEN 'unassigned'
              WHEN n.active_bundle_id IS n.desired_bundle_id THEN 'converged'
              ELSE 'superseded' END AS resolution
       FROM drift_events d LEFT JOIN nodes n ON n.id = d.node_id
       WHERE d.resolved_at IS NULL
         AND (n.id IS NULL OR n.revoked_at IS NOT NULL OR n.desired_bundle_id IS NULL
              OR n.active_bundle_id IS n.desired_bundle_id
              OR n.desired_bundle_id IS NOT d.expected_bundle_id)
       LIMIT ?`,
    )
    .bind(DRIFT_RESOLVE_LIMIT)
    .all<OpenDrift>();
  if (results.length === 0) {
    return 0;
  }
  const updates = await services.d1.batch(
    results.map((d) =>
      services.d1
        .prepare(
          "UPDATE drift_events SET resolved_at = ?, resolution = ? WHERE id = ? AND resolved_at IS NULL",
        )
        .bind(now, d.resolution, d.id),
    ),
  );
  const resolved = results.filter((_, i) => updates[i]?.meta.changes === 1);
  await emit(
    services,
    resolved.map((d) => ({
      projectId: d.project_id,
      type: "drift.resolved",
      severity: "info",
      resourceType: "node",
      resourceId: d.node_id,
      payload: {
        drift_event_id: d.id,
        node_id: d.node_id,
        node_name: d.node_name,
        expected_bundle_id: d.expected_bundle_id,
        actual_bundle_id: d.actual_bundle_id,
        resolution: d.resolution,
        drifted_for_s: Math.round((now - d.detected_at) / 1000),
      },
    })),
  );
  return resolved.length;
}

interface DriftingNode {
  id: string;
  project_id: string;
  name: string;
  active_bundle_id: string | null;
  desired_bundle_id: string;
  diverged_since: number;
}

/**
 * Online nodes that have differed from their desired bundle for longer than their project's
 * grace period and have no open drift event. The INSERT re-checks "no open event" itself, so
 * overlapping runs cannot open two events for one node.
 */
async function detectDrift(services: Services, now: number): Promise<number> {
  const { results } = await services.d1
    .prepare(
      `SELECT n.id, n.project_id, n.name, n.active_bundle_id, n.desired_bundle_id, n.diverged_since
       FROM nodes n JOIN projects p ON p.id = n.project_id
       WHERE n.diverged_since IS NOT NULL AND n.revoked_at IS NULL AND n.status = 'online'
         AND n.desired_bundle_id IS NOT NULL AND n.active_bundle_id IS NOT n.desired_bundle_id
         AND n.diverged_since <= ? - 1000 * MAX(0, COALESCE(
               CAST(json_extract(p.settings, '$.drift_grace_seconds') AS INTEGER), ?))
         AND NOT EXISTS (SELECT 1 FROM drift_events d
                         WHERE d.node_id = n.id AND d.resolved_at IS NULL)
       ORDER BY n.diverged_since
       LIMIT ?`,
    )
    .bind(now, DEFAULT_DRIFT_GRACE_S, DRIFT_DETECT_LIMIT)
    .all<DriftingNode>();
  if (results.length === 0) {
    return 0;
  }
  const opened = results.map((n) => ({ node: n, eventId: crypto.randomUUID() }));
  const inserts = await services.d1.batch(
    opened.map(({ node, eventId }) =>
      services.d1
        .prepare(
          `INSERT INTO drift_events (id, project_id, node_id, expected_bundle_id, actual_bundle_id,
             detected_at, remediated)
           SELECT ?, ?, ?, ?, ?, ?, 0
           WHERE NOT EXISTS (SELECT 1 FROM drift_events WHERE node_id = ? AND resolved_at IS NULL)`,
        )
        .bind(
          eventId,
          node.project_id,
          node.id,
          node.desired_bundle_id,
          node.active_bundle_id,
          now,
          node.id,
        ),
    ),
  );
  const created = opened.filter((_, i) => inserts[i]?.meta.changes === 1);
  await emit(
    services,
    created.map(({ node, eventId }) => ({
      projectId: node.project_id,
      type: "drift.detected",
      // A node running no bundle at all serves nothing we shipped: worse than an old bundle.
      severity: node.active_bundle_id === null ? "critical" : "warning",
      resourceType: "node",
      resourceId: node.id,
      payload: {
        drift_event_id: eventId,
        node_id: node.id,
        node_name: node.name,
        expected_bundle_id: node.desired_bundle_id,
        actual_bundle_id: node.active_bundle_id,
        diverged_since: new Date(node.diverged_since).toISOString(),
      },
    })),
  );
  return created.length;
}

interface Remediable {
  id: string;
  project_id: string;
  org_id: string;
  node_id: string;
  desired_bundle_id: string;
  desired_rollout_id: string | null;
  desired_is_rollback: number;
}

/**
 * `drift_auto_remediate`: re-sends the desired assignment of drifting nodes once per drift
 * event (bumps `desired_set_at`, re-records the download permission) and audits it. The event
 * is claimed first (`remediated` 0 → 1), so overlapping runs re-send each assignment once.
 */
async function remediateDrift(services: Services): Promise<number> {
  const { results } = await services.d1
    .prepare(
      `SELECT d.id, d.project_id, p.org_id, d.node_id, n.desired_bundle_id, n.desired_rollout_id,
         n.desired_is_rollback
       FROM drift_events d
       JOIN nodes n ON n.id = d.node_id
       JOIN projects p ON p.id = d.project_id
       WHERE d.resolved_at IS NULL AND d.remediated = 0 AND n.revoked_at IS NULL
         AND n.desired_bundle_id IS d.expected_bundle_id
         AND json_extract(p.settings, '$.drift_auto_remediate') = 1
       LIMIT ?`,
    )
    .bind(DRIFT_REMEDIATE_LIMIT)
    .all<Remediable>();
  if (results.length === 0) {
    return 0;
  }
  const claims = await services.d1.batch(
    results.map((d) =>
      services.d1
        .prepare("UPDATE drift_events SET remediated = 1 WHERE id = ? AND remediated = 0")
        .bind(d.id),
    ),
  );
  const claimed = results.filter((_, i) => claims[i]?.meta.changes === 1);
  if (claimed.length === 0) {
    return 0;
  }
  await services.d1.batch(
    claimed.flatMap((d) =>
      assignBundle(services, {
        projectId: d.project_id,
        nodeIds: [d.node_id],
        bundleId: d.desired_bundle_id,
        rolloutId: d.desired_rollout_id,
        rollback: d.desired_is_rollback === 1,
      }),
    ),
  );
  for (const d of claimed) {
    const after = { bundle_id: d.desired_bundle_id, rollout_id: d.desired_rollout_id };
    await services.audit.record(
      {
        orgId: d.org_id,
        projectId: d.project_id,
        actor: DRIFT_ACTOR,
        action: "drift.remediated",
        resourceType: "node",
        resourceId: d.node_id,
        diff: { after: { ...after, drift_event_id: d.id } },
        requestId: services.requestId,
      },
      [
        {
          projectId: d.project_id,
          type: "drift.remediated",
          resourceType: "node",
          resourceId: d.node_id,
          payload: { ...after, drift_event_id: d.id, node_id: d.node_id },
        },
      ],
    );
  }
  return claimed.length;
}

async function emit(services: Services, events: EventInput[]): Promise<void> {
  if (events.length > 0) {
    await services.audit.emit(events);
  }
}

/**
 * Drift detection. A node drifts when the bundle it reports running differs from its desired
 * bundle for longer than the project's `drift_grace_seconds` (default 300): the task opens one
 * `drift_events` row per drifting node and emits `drift.detected`; when the node converges (or
 * its assignment changes, or it is removed) the row is resolved and `drift.resolved` emitted.
 * With `drift_auto_remediate` the desired assignment is re-sent once per drift event.
 * Resolution runs first, so a superseded event is replaced in the same run.
 */
export const driftTask: CronTask = {
  name: "drift",
  async run(services, scheduledTime) {
    const resolved = await resolveDrift(services, scheduledTime);
    const detected = await detectDrift(services, scheduledTime);
    const remediated = await remediateDrift(services);
    return { resolved, detected, remediated };
  },
};

registerCronTask(driftTask);
