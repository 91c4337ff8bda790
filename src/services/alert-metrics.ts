/**
 * Where alert rules read their metrics. Each metric turns (project, service, window, now) into
 * one observation for the state machine. Reads are scoped to the rule's own project: a rule can
 * never see another tenant's numbers. Rate and percentile metrics read the minute rollups
 * (`telemetry_minutes`, `waf_minutes`) of the window `[now − window, now)`, summing counts and
 * histogram buckets (never averaging percentiles).
 */
import type { AlertMetric } from "../db/schema";
import type { Observation } from "../domain/alerts/state";
import { histogramQuantileMs, LATENCY_COLUMNS } from "../domain/telemetry/buckets";

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
  error_rate: "%",
  latency_p99_ms: "ms",
  waf_blocked: "requests",
  nodes_offline: "nodes",
  cert_expiry_days: "days",
};

/** One line per metric, for the API reference and the dashboard. */
export const METRIC_DESCRIPTIONS: Record<AlertMetric, string> = {
  error_rate: "5xx responses per request over the window, in percent (no traffic: no data)",
  latency_p99_ms: "p99 latency over the window from the merged histograms (no traffic: no data)",
  waf_blocked: "requests the WAF blocked over the window",
  nodes_offline: "live nodes currently marked offline",
  cert_expiry_days: "days until the soonest-expiring certificate of the project expires",
};

const DAY_MS = 86_400_000;

async function telemetry(d1: D1Database, q: MetricQuery): Promise<Observation> {
  const since = q.now - q.windowMs;
  const sums = LATENCY_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(", ");
  const row = await d1
    .prepare(
      `SELECT SUM(requests) AS requests, SUM(errors_5xx) AS errors, ${sums}
       FROM telemetry_minutes
       WHERE project_id = ? AND bucket_start >= ? AND bucket_start < ?
         AND (? IS NULL OR service = ?)`,
    )
    .bind(q.projectId, since, q.now, q.service, q.service)
    .first<Record<string, number | null>>();
  const requests = row?.requests ?? 0;
  if (!row || requests <= 0) {
    return { kind: "no_data" };
  }
  if (q.metric === "error_rate") {
    return { kind: "value", value: (100 * (row.errors ?? 0)) / requests };
  }
  const p99 = histogramQuantileMs(
    LATENCY_COLUMNS.map((c) => row[c] ?? 0),
    0.99,
  );
  return p99 === null ? { kind: "no_data" } : { kind: "value", value: p99 };
}

/**
 * Reads one metric. `nodes_offline` and `cert_expiry_days` are current values (the window does
 * not apply). A project without nodes reads 0 offline (a value, so an alert resolves when the
 * last offline node is revoked); one without certificates has no certificate data.
 */
export async function readMetric(d1: D1Database, q: MetricQuery): Promise<Observation> {
  switch (q.metric) {
    case "error_rate":
    case "latency_p99_ms":
      return telemetry(d1, q);
    case "waf_blocked": {
      const row = await d1
        .prepare(
          `SELECT COALESCE(SUM(blocked), 0) AS n FROM waf_minutes
           WHERE project_id = ? AND bucket_start >= ? AND bucket_start < ?
             AND (? IS NULL OR service = ?)`,
        )
        .bind(q.projectId, q.now - q.windowMs, q.now, q.service, q.service)
        .first<{ n: number }>();
      return { kind: "value", value: row?.n ?? 0 };
    }
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
    case "cert_expiry_days": {
      const row = await d1
        .prepare("SELECT MIN(not_after) AS t FROM config_certificates WHERE project_id = ?")
        .bind(q.projectId)
        .first<{ t: number | null }>();
      return row?.t == null
        ? { kind: "no_data" }
        : { kind: "value", value: Math.floor((row.t - q.now) / DAY_MS) };
    }
  }
}
