/**
 * The reads of a tick: exactly the nodes `observationScope` names (the current step or the
 * rollback window, plus a canary baseline sample) and the bundle's status. One D1 batch per
 * tick (desired bundle, explicit reports, the latest heartbeat *history* row) plus, in
 * parallel, one RPC per node shard holding the scope's nodes: the shards have every heartbeat
 * as soon as it was acknowledged, while D1's history is written by their coalesced flushes.
 * The fresher of the two wins (the D1 row covers nodes whose last heartbeat predates the
 * shards, e.g. right after an upgrade). Sizes follow the step, never the fleet.
 */
import type { HeartbeatObservation } from "../../src/domain/node-hot";
import type {
  HealthStatus,
  NodeMetrics,
  NodeObservation,
  NodeReportKind,
  ObservationScope,
  Observations,
  Rollout,
} from "../../src/domain/rollout";

/**
 * Node ids per observation statement (one JSON parameter). Bounds the rows one statement
 * returns; a 500-node step is one statement.
 */
export const OBSERVE_NODES_PER_STATEMENT = 1_000;

/**
 * A node's latest heartbeat (history row: its own active bundle, health and metrics, as sent
 * together) and its latest explicit report since `since` (the node_events row the report route
 * writes, optionally only for one bundle). The nodes are found by primary key from the JSON
 * list (the unary `+` keeps SQLite from scanning the project's nodes by `project_id` instead);
 * the correlated subqueries use the (node_id, created_at) indexes: two seeks per node.
 */
const NODE_OBSERVATION_SQL = `
SELECT n.id AS node_id, n.desired_bundle_id AS desired_bundle_id,
  h.active_bundle_id AS hb_active, h.created_at AS hb_at, h.health AS hb_health,
  h.metrics AS hb_metrics,
  e.created_at AS report_at, json_extract(e.metadata, '$.bundle_id') AS report_bundle,
  json_extract(e.metadata, '$.report') AS report_kind,
  json_extract(e.metadata, '$.error') AS report_error
FROM nodes n
LEFT JOIN node_heartbeats h ON h.id = (
  SELECT hh.id FROM node_heartbeats hh WHERE hh.node_id = n.id
  ORDER BY hh.created_at DESC, hh.id DESC LIMIT 1)
LEFT JOIN node_events e ON e.rowid = (
  SELECT ee.rowid FROM node_events ee
  WHERE ee.node_id = n.id AND ee.created_at >= ?
    AND json_extract(ee.metadata, '$.report') IS NOT NULL
    AND (? IS NULL OR json_extract(ee.metadata, '$.bundle_id') = ?)
  ORDER BY ee.created_at DESC, ee.rowid DESC LIMIT 1)
WHERE +n.project_id = ? AND n.id IN (SELECT value FROM json_each(?))`;

interface ObservationRow {
  node_id: string;
  desired_bundle_id: string | null;
  hb_active: string | null;
  hb_at: number | null;
  hb_health: string | null;
  hb_metrics: string | null;
  report_at: number | null;
  report_bundle: string | null;
  report_kind: string | null;
  report_error: string | null;
}

const HEALTH: ReadonlySet<string> = new Set(["healthy", "degraded", "unhealthy"]);
const REPORT_KINDS: ReadonlySet<string> = new Set(["staged", "activated", "verified", "failed"]);
const METRIC_KEYS = [
  "error_rate",
  "latency_p99_ms",
  "cpu_percent",
  "memory_percent",
  "request_count",
  "error_count",
] as const satisfies ReadonlyArray<keyof NodeMetrics>;

function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) {
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function healthOf(raw: Record<string, unknown> | null): HealthStatus | null {
  const status = raw?.status;
  return typeof status === "string" && HEALTH.has(status) ? (status as HealthStatus) : null;
}

/** Only finite numbers of the gated metrics; anything else a node sent is ignored. */
function metricsOf(raw: Record<string, unknown> | null): NodeMetrics | null {
  if (raw === null) {
    return null;
  }
  const metrics: Record<string, number> = {};
  for (const key of METRIC_KEYS) {
    const value = raw[key];
    if (typeof value === "number" && Number.isFinite(value)) {
      metrics[key] = value;
    }
  }
  return metrics;
}

/**
 * A D1 row as the reducer's observation of the node; `hb` (the shard's latest heartbeat)
 * replaces the heartbeat part when it is at least as recent as D1's history row.
 */
export function toObservation(row: ObservationRow, hb?: HeartbeatObservation): NodeObservation {
  const kind = row.report_kind;
  const lastReport =
    row.report_at !== null && row.report_bundle !== null && kind !== null && REPORT_KINDS.has(kind)
      ? {
          bundleId: row.report_bundle,
          kind: kind as NodeReportKind,
          at: row.report_at,
          error: row.report_error,
        }
      : null;
  const fresh = hb !== undefined && (row.hb_at === null || hb.at >= row.hb_at);
  return {
    nodeId: row.node_id,
    reportedActiveBundleId: fresh ? hb.activeBundleId : row.hb_active,
    desiredBundleId: row.desired_bundle_id,
    lastHeartbeatAt: fresh ? hb.at : row.hb_at,
    health: healthOf(parseObject(fresh ? hb.health : row.hb_health)),
    metrics: metricsOf(parseObject(fresh ? hb.metrics : row.hb_metrics)),
    lastReport,
  };
}

/**
 * Which reports a tick looks at: since the rollout started, and while it moves forward only
 * those about its bundle (a later report about another bundle must not hide a failure). During
 * a rollback any bundle: confirmations are reports of each node's previous bundle.
 */
function reportFilter(r: Rollout): { since: number; bundleId: string | null } {
  return {
    since: r.startedAt ?? r.createdAt,
    bundleId: r.state === "rolling_back" ? null : r.bundleId,
  };
}

/** What one tick read, and what the read cost. */
export interface TickRead {
  readonly observations: Observations;
  readonly statements: number;
  readonly observedNodes: number;
  /** Nodes whose heartbeat came from their shard (fresher than D1's history). */
  readonly shardHeartbeats: number;
}

/** The latest heartbeats of some nodes from their shards (absent: the shard never heard it). */
export type ShardHeartbeatReader = (
  nodeIds: readonly string[],
) => Promise<ReadonlyMap<string, HeartbeatObservation>>;

/** Reads the observations of one tick of `rollout`: one D1 batch and the shards, in parallel. */
export async function readObservations(
  d1: D1Database,
  projectId: string,
  rollout: Rollout,
  scope: ObservationScope,
  readShards: ShardHeartbeatReader,
): Promise<TickRead> {
  const filter = reportFilter(rollout);
  const nodeStatement = (ids: readonly string[]) =>
    d1
      .prepare(NODE_OBSERVATION_SQL)
      .bind(filter.since, filter.bundleId, filter.bundleId, projectId, JSON.stringify(ids));
  const slices = (ids: readonly string[]) => {
    const out: string[][] = [];
    for (let i = 0; i < ids.length; i += OBSERVE_NODES_PER_STATEMENT) {
      out.push(ids.slice(i, i + OBSERVE_NODES_PER_STATEMENT));
    }
    return out;
  };
  const nodeSlices = slices(scope.nodeIds);
  const baselineSlices = slices(scope.baselineNodeIds);
  const statements = [
    d1
      .prepare("SELECT status, deleted_at FROM bundles WHERE id = ? AND project_id = ?")
      .bind(rollout.bundleId, projectId),
    ...nodeSlices.map(nodeStatement),
    ...baselineSlices.map(nodeStatement),
  ];
  const [results, fromShards] = await Promise.all([
    d1.batch(statements),
    readShards([...scope.nodeIds, ...scope.baselineNodeIds]),
  ]);
  let shardHeartbeats = 0;
  const observe = (row: ObservationRow) => {
    const obs = toObservation(row, fromShards.get(row.node_id));
    if (obs.lastHeartbeatAt !== null && obs.lastHeartbeatAt === fromShards.get(row.node_id)?.at) {
      shardHeartbeats++;
    }
    return obs;
  };
  const [bundleResult, ...nodeResults] = results;
  const bundle = (bundleResult?.results ?? [])[0] as
    | { status: string; deleted_at: number | null }
    | undefined;
  const rowsOf = (from: number, count: number) =>
    nodeResults
      .slice(from, from + count)
      .flatMap((r) => (r.results ?? []) as ObservationRow[])
      .map(observe);
  const nodes = rowsOf(0, nodeSlices.length);
  const baseline = rowsOf(nodeSlices.length, baselineSlices.length);
  return {
    observations: {
      // A bundle that is gone counts as revoked: a rollout must never keep offering it.
      bundle: {
        revoked: bundle === undefined || bundle.status === "revoked" || bundle.deleted_at !== null,
      },
      nodes,
      baseline,
    },
    statements: statements.length,
    observedNodes: nodes.length + baseline.length,
    shardHeartbeats,
  };
}
