/**
 * Where alert rules read their metrics. Each metric turns (project, service, window, now) into
 * one observation for the state machine. Reads are scoped to the rule's own project: a rule can
 * never see another tenant's numbers.
 */
import type { AlertMetric } from "../db/schema";
import type { Observation } from "../domain/alerts/state";

/** What a metric read needs of its rule. */
export interface MetricQuery {
  readonly projectId: string;
  readonly metric: AlertMetric;
  readonly service: string | null;
  readonly windowMs: number;
  readonly now: number;
}

/** Units shown next to values, per metric. */
export const METRIC_UNITS: Record<AlertMetric, string> = {
  nodes_offline: "nodes",
};

/**
 * Reads one metric. `nodes_offline`: live (not revoked) nodes the staleness task marked
 * offline, now; the window does not apply, and a project without nodes reads 0 (a value, not
 * "no data", so an alert on it resolves when the last offline node is revoked).
 */
export async function readMetric(d1: D1Database, q: MetricQuery): Promise<Observation> {
  switch (q.metric) {
    case "nodes_offline": {
      const row = await d1
        .prepare(
          `SELECT COUNT(*) AS n FROM nodes
           WHERE project_id = ? AND revoked_at IS NULL AND status = 'offline'`,
        )
        .bind(q.projectId)
        .first<{ n: number }>();
      return { kind: "value", value: row?.n ?? 0 };
    }
  }
}
