/**
 * Writes shared by heartbeats and bundle reports: the node-row UPDATE, drift bookkeeping and the
 * "unknown bundle" flag. Everything here returns statements for the caller's single batch.
 */
import type { NodeRow, Services } from "../../services";

/** Node columns a heartbeat or report may set, by SQL column name. */
export interface NodeFields {
  status?: "online";
  last_seen_at?: number;
  last_heartbeat_at?: number;
  health?: Record<string, unknown> | null;
  metrics?: Record<string, unknown> | null;
  active_bundle_id?: string | null;
  staged_bundle_id?: string | null;
  version?: string | null;
  hostname?: string | null;
  metadata?: Record<string, unknown>;
  diverged_since?: number | null;
}

const JSON_COLUMNS = new Set<keyof NodeFields>(["health", "metrics", "metadata"]);

/**
 * `UPDATE nodes SET <only the given columns> WHERE id = ? AND revoked_at IS NULL`. Omitted
 * fields stay as stored (merge-patch at the top level); a revoked node is never revived.
 */
export function updateNodeStatement(
  d1: D1Database,
  nodeId: string,
  fields: NodeFields,
): D1PreparedStatement {
  const columns = Object.keys(fields) as Array<keyof NodeFields>;
  const values = columns.map((col) => {
    const value = fields[col];
    return JSON_COLUMNS.has(col) && value !== null ? JSON.stringify(value) : (value ?? null);
  });
  const assignments = columns.map((col) => `${col} = ?`).join(", ");
  return d1
    .prepare(`UPDATE nodes SET ${assignments} WHERE id = ? AND revoked_at IS NULL`)
    .bind(...values, nodeId);
}

/**
 * New value of `diverged_since` once the node runs `active`: null when it runs what it should
 * (or nothing is desired), otherwise the time divergence started (kept if already diverged).
 */
export function divergedSince(node: NodeRow, active: string | null, now: number): number | null {
  if (node.desiredBundleId === null || node.desiredBundleId === active) {
    return null;
  }
  return node.divergedSince ?? now;
}

/**
 * Reported bundle ids the node's state does not already mention (`known`: its active, staged
 * and desired bundle). Only these can be unknown to the project, so the common heartbeat
 * (reporting what it was offered) adds no statement at all.
 */
export function unfamiliarBundleIds(
  knownIds: ReadonlyArray<string | null>,
  reported: ReadonlyArray<string | null | undefined>,
): string[] {
  const known = new Set(knownIds);
  const out = new Set<string>();
  for (const id of reported) {
    if (typeof id === "string" && !known.has(id)) {
      out.add(id);
    }
  }
  return [...out];
}

/**
 * A node event recorded only if `bundleId` is not a bundle of the node's project (the
 * condition is evaluated inside the write, so checking costs no extra round trip). The
 * statement's `meta.changes` tells the caller whether the bundle was unknown.
 */
export function flagUnknownBundleStatement(
  services: Pick<Services, "d1">,
  node: NodeRow,
  bundleId: string,
  source: string,
  now: number,
): D1PreparedStatement {
  return services.d1
    .prepare(
      `INSERT INTO node_events (id, node_id, project_id, event_type, severity, message, metadata,
         created_at)
       SELECT ?, ?, ?, 'warning', 'warn', ?, ?, ?
       WHERE NOT EXISTS (SELECT 1 FROM bundles WHERE id = ? AND project_id = ?)`,
    )
    .bind(
      crypto.randomUUID(),
      node.id,
      node.projectId,
      `Node reported a bundle this project does not have (${source})`,
      JSON.stringify({ bundle_id: bundleId, source }),
      now,
      bundleId,
      node.projectId,
    );
}

/**
 * After the batch: emits the project event `node.unknown_bundle` for every flag statement that
 * inserted its row. Deferred: the node's request never waits for (or fails on) the event.
 */
export function emitUnknownBundles(
  services: Services,
  node: NodeRow,
  flagged: ReadonlyArray<{ bundleId: string; source: string; result: D1Result | undefined }>,
): void {
  const unknown = flagged.filter((f) => f.result?.meta.changes === 1);
  if (unknown.length === 0) {
    return;
  }
  services.logger.warn("node reported unknown bundle", {
    node_id: node.id,
    bundle_ids: unknown.map((u) => u.bundleId),
  });
  services.defer(
    services.audit.emit(
      unknown.map((u) => ({
        projectId: node.projectId,
        type: "node.unknown_bundle",
        severity: "warning" as const,
        resourceType: "node",
        resourceId: node.id,
        payload: { node_id: node.id, name: node.name, bundle_id: u.bundleId, source: u.source },
      })),
    ),
  );
}

/** A node that was marked offline and is heard from again: `node.online` (after the response). */
export function emitBackOnline(services: Services, node: NodeRow, now: number): void {
  if (node.status !== "offline") {
    return;
  }
  services.defer(
    services.audit.emit([
      {
        projectId: node.projectId,
        type: "node.online",
        resourceType: "node",
        resourceId: node.id,
        payload: { node_id: node.id, name: node.name, last_seen_at: node.lastSeenAt, at: now },
      },
    ]),
  );
}
