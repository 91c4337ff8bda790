/**
 * One flush of a node shard: the due rows go to D1 in a single `db.batch()`, a few multi-row
 * statements per chunk of rows (one JSON parameter each), never one statement per node:
 *
 * 1. `SELECT` the chunk's nodes that D1 shows `offline` (read before the update, inside the same
 *    transaction): those come back online with this flush and get their `node.online` event;
 * 2. `UPDATE nodes … FROM json_each(?)`: only the pending columns of each row (a column a row
 *    does not carry keeps its D1 value), `status = 'online'` when the node's latest contact is
 *    within the offline threshold, and drift bookkeeping (`diverged_since`) against the desired
 *    bundle D1 holds at that moment; `RETURNING id` tells which nodes still exist;
 * 3. `INSERT INTO node_heartbeats … SELECT … FROM json_each(?)`: the history samples.
 *
 * The batch is atomic: if it fails nothing is marked flushed and the rows stay due.
 */
import {
  completeFlush,
  type FlushPolicy,
  type FlushRow,
  type FlushStats,
  HOT_COLUMNS,
  type HotColumn,
  planFlush,
} from "../../src/domain/node-hot";
import type { EventInput } from "../../src/services/audit";
import type { HotStore } from "./hot-store";

/** Columns holding JSON objects; `health` and `metrics` may also be NULL, `metadata` may not. */
const OBJECT_COLUMNS: ReadonlySet<HotColumn> = new Set(["health", "metrics", "metadata"]);

function assignment(col: HotColumn): string {
  const path = `'$.s.${col}'`;
  if (col === "metadata") {
    return `${col} = CASE json_type(j.value, ${path}) WHEN 'object' THEN j.value -> ${path} ELSE nodes.${col} END`;
  }
  if (OBJECT_COLUMNS.has(col)) {
    return `${col} = CASE json_type(j.value, ${path}) WHEN 'object' THEN j.value -> ${path}
      WHEN 'null' THEN NULL ELSE nodes.${col} END`;
  }
  return `${col} = CASE WHEN json_type(j.value, ${path}) IS NULL THEN nodes.${col}
    ELSE j.value ->> ${path} END`;
}

/** ?1 = JSON rows, ?2 = offline cutoff (a contact older than this does not make a node online). */
const UPDATE_SQL = `UPDATE nodes SET
  ${HOT_COLUMNS.map(assignment).join(",\n  ")},
  status = CASE WHEN j.value ->> '$.seen' >= ?2 THEN 'online' ELSE nodes.status END,
  diverged_since = CASE
    WHEN json_type(j.value, '$.s.active_bundle_id') IS NULL THEN nodes.diverged_since
    WHEN nodes.desired_bundle_id IS NULL
      OR nodes.desired_bundle_id IS (j.value ->> '$.s.active_bundle_id') THEN NULL
    ELSE COALESCE(nodes.diverged_since, j.value ->> '$.since') END
FROM json_each(?1) AS j
WHERE nodes.id = j.value ->> '$.id' AND nodes.revoked_at IS NULL
RETURNING nodes.id AS id`;

/** ?1 = JSON rows, ?2 = offline cutoff: the nodes this flush brings back online. */
const CAME_ONLINE_SQL = `SELECT n.id AS id, n.project_id AS project_id, n.name AS name,
  n.last_seen_at AS last_seen_at, j.value ->> '$.seen' AS seen
FROM json_each(?1) AS j JOIN nodes n ON n.id = j.value ->> '$.id'
WHERE n.status = 'offline' AND n.revoked_at IS NULL AND j.value ->> '$.seen' >= ?2`;

/** ?1 = JSON samples: one history row each, for nodes that still exist. */
const HISTORY_SQL = `INSERT INTO node_heartbeats (node_id, project_id, health, metrics,
  active_bundle_id, staged_bundle_id, created_at)
SELECT n.id, n.project_id,
  CASE json_type(j.value, '$.h') WHEN 'object' THEN j.value -> '$.h' ELSE NULL END,
  CASE json_type(j.value, '$.m') WHEN 'object' THEN j.value -> '$.m' ELSE NULL END,
  j.value ->> '$.a', j.value ->> '$.st', j.value ->> '$.at'
FROM json_each(?1) AS j JOIN nodes n ON n.id = j.value ->> '$.id'
WHERE n.revoked_at IS NULL`;

interface CameOnline {
  id: string;
  project_id: string;
  name: string;
  last_seen_at: number | null;
  seen: number;
}

/** What a flush needs from its shell. */
export interface FlushDeps {
  readonly store: HotStore;
  readonly d1: D1Database;
  readonly policy: FlushPolicy;
  readonly offlineAfterMs: number;
  /** Emits project events (`node.online`), after the batch committed. */
  readonly emit: (events: EventInput[]) => Promise<void>;
}

const wire = (row: FlushRow) => ({
  id: row.id,
  s: row.set,
  seen: row.seen,
  since: row.activeSince,
});

const sample = (row: FlushRow) =>
  row.history === null
    ? null
    : {
        id: row.id,
        at: row.history.at,
        a: row.history.activeBundleId,
        st: row.history.stagedBundleId,
        h: row.history.health,
        m: row.history.metrics,
      };

/**
 * Writes every row due by `dueBy` (normally `now`; up to the batch bound) to D1 at `now` and
 * marks it flushed.
 */
export async function flushDue(deps: FlushDeps, now: number, dueBy: number): Promise<FlushStats> {
  const { store, d1, policy } = deps;
  const due = store.due(dueBy, policy.rowsPerBatch + 1);
  const chunks = planFlush(due, policy);
  const empty: FlushStats = {
    rows: 0,
    historyRows: 0,
    batches: 0,
    writeStatements: 0,
    readStatements: 0,
    d1RowsWritten: 0,
    cameOnline: 0,
    dropped: 0,
    more: false,
  };
  if (chunks.length === 0) {
    return empty;
  }
  const cutoff = now - deps.offlineAfterMs;
  const statements: D1PreparedStatement[] = [];
  const layout: Array<{ rows: FlushRow[]; history: boolean }> = [];
  let historyRows = 0;
  for (const rows of chunks) {
    const samples = rows.map(sample).filter((s) => s !== null);
    const json = JSON.stringify(rows.map(wire));
    statements.push(d1.prepare(CAME_ONLINE_SQL).bind(json, cutoff));
    statements.push(d1.prepare(UPDATE_SQL).bind(json, cutoff));
    if (samples.length > 0) {
      statements.push(d1.prepare(HISTORY_SQL).bind(JSON.stringify(samples)));
      historyRows += samples.length;
    }
    layout.push({ rows, history: samples.length > 0 });
  }
  const results = await d1.batch(statements);

  const cameOnline: CameOnline[] = [];
  const gone: string[] = [];
  let at = 0;
  let written = 0;
  for (const { rows, history } of layout) {
    const online = results[at]?.results as CameOnline[] | undefined;
    const updated = results[at + 1]?.results as Array<{ id: string }> | undefined;
    cameOnline.push(...(online ?? []));
    const live = new Set((updated ?? []).map((r) => r.id));
    for (const row of rows) {
      const node = store.get(row.id);
      if (!live.has(row.id)) {
        gone.push(row.id);
      } else if (node !== null) {
        store.put(completeFlush(node, row, now));
        written++;
      }
    }
    at += history ? 3 : 2;
  }
  store.delete(gone);
  store.setMeta("last_flush_at", now);
  if (cameOnline.length > 0) {
    await deps.emit(
      cameOnline.map((n) => ({
        projectId: n.project_id,
        type: "node.online",
        resourceType: "node",
        resourceId: n.id,
        payload: { node_id: n.id, name: n.name, last_seen_at: n.last_seen_at, at: n.seen },
      })),
    );
  }
  return {
    rows: written,
    historyRows,
    batches: 1,
    writeStatements: statements.length - layout.length,
    readStatements: layout.length,
    d1RowsWritten: results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0),
    cameOnline: cameOnline.length,
    dropped: gone.length,
    more: due.length > policy.rowsPerBatch,
  };
}
