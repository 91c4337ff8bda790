/**
 * Resolves a rollout's `target_selector` into candidate nodes, in SQL: every non-revoked node of
 * the project, those carrying all the given labels, or an explicit list of node ids (ids that
 * are not nodes of the project are reported, never silently dropped).
 */
import type { CandidateNode } from "../domain/rollout";

/** Largest rollout target. Bounds the DO's plan storage and the creation batch parameters. */
export const MAX_ROLLOUT_NODES = 20_000;

/** A target selector as the create body carries it. */
export type TargetSelector =
  | { readonly type: "all" }
  | { readonly type: "labels"; readonly labels: Readonly<Record<string, string>> }
  | { readonly type: "node_ids"; readonly node_ids: readonly string[] };

/** Candidates, or the requested node ids that are not nodes of the project. */
export type TargetResult =
  | { readonly ok: true; readonly candidates: CandidateNode[] }
  | { readonly ok: false; readonly unknownNodeIds: string[] };

interface CandidateRow {
  id: string;
  name: string;
  pinned_bundle_id: string | null;
  active_bundle_id: string | null;
  desired_bundle_id: string | null;
}

const CANDIDATE_COLUMNS = "id, name, pinned_bundle_id, active_bundle_id, desired_bundle_id";

function toCandidate(row: CandidateRow): CandidateNode {
  return {
    id: row.id,
    name: row.name,
    pinnedBundleId: row.pinned_bundle_id,
    activeBundleId: row.active_bundle_id,
    desiredBundleId: row.desired_bundle_id,
  };
}

/**
 * The candidate nodes of `selector` in `projectId`. Revoked nodes are never candidates. Label
 * keys must already be validated (LABEL_KEY_PATTERN: no quotes), values are bound parameters.
 * At most {@link MAX_ROLLOUT_NODES} + 1 rows are read, so callers can refuse larger targets.
 */
export async function resolveTarget(
  d1: D1Database,
  projectId: string,
  selector: TargetSelector,
): Promise<TargetResult> {
  const limit = MAX_ROLLOUT_NODES + 1;
  if (selector.type === "node_ids") {
    const ids = [...new Set(selector.node_ids)];
    const { results } = await d1
      .prepare(
        `SELECT ${CANDIDATE_COLUMNS}, revoked_at FROM nodes
         WHERE project_id = ? AND id IN (SELECT value FROM json_each(?))`,
      )
      .bind(projectId, JSON.stringify(ids))
      .all<CandidateRow & { revoked_at: number | null }>();
    const found = new Set(results.map((r) => r.id));
    const unknown = ids.filter((id) => !found.has(id));
    if (unknown.length > 0) {
      return { ok: false, unknownNodeIds: unknown };
    }
    return { ok: true, candidates: results.filter((r) => r.revoked_at === null).map(toCandidate) };
  }
  const conditions = ["project_id = ?", "revoked_at IS NULL"];
  const params: string[] = [projectId];
  if (selector.type === "labels") {
    for (const [key, value] of Object.entries(selector.labels)) {
      conditions.push("json_extract(labels, ?) = ?");
      params.push(`$."${key}"`, value);
    }
  }
  const { results } = await d1
    .prepare(
      `SELECT ${CANDIDATE_COLUMNS} FROM nodes WHERE ${conditions.join(" AND ")} LIMIT ${limit}`,
    )
    .bind(...params)
    .all<CandidateRow>();
  return { ok: true, candidates: results.map(toCandidate) };
}
