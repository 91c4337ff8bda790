/**
 * D1 statements of the telemetry aggregator's flush: multi-row absolute upserts (the aggregator
 * holds the full value of each open minute, so writing it twice is harmless and a retried flush
 * never double counts).
 */
import { LATENCY_BUCKET_COUNT, LATENCY_COLUMNS } from "../domain/telemetry/buckets";
import type { Counts } from "../domain/telemetry/report";

/** D1 accepts at most 100 bound parameters per statement. */
export const D1_MAX_PARAMS = 100;

const TELEMETRY_COLUMNS = [
  "project_id",
  "service",
  "bundle_id",
  "bucket_start",
  "requests",
  "errors_5xx",
  "errors_4xx",
  "latency_sum_ms",
  ...LATENCY_COLUMNS,
  "reports",
];
const TELEMETRY_VALUE_COLUMNS = TELEMETRY_COLUMNS.slice(4);

/** One minute row to write. */
export interface MinuteRow {
  readonly service: string;
  readonly bundleId: string;
  readonly bucketStart: number;
  readonly counts: Counts;
}

/** One WAF minute row to write. */
export interface WafRow {
  readonly service: string;
  readonly ruleId: string;
  readonly bucketStart: number;
  readonly blocked: number;
  readonly challenged: number;
}

/** One per-node WAF hour row to write. */
export interface WafNodeRow {
  readonly nodeId: string;
  readonly bucketStart: number;
  readonly blocked: number;
  readonly challenged: number;
}

function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) {
    out.push(rows.slice(i, i + size));
  }
  return out;
}

/**
 * `INSERT … VALUES (…),(…) ON CONFLICT (key) DO UPDATE SET col = excluded.col` over as many rows
 * per statement as the parameter limit allows. The `WHERE` skips rows whose values did not
 * change, so re-sending a row costs no row write.
 */
function upserts(
  d1: D1Database,
  table: string,
  columns: readonly string[],
  keyColumns: readonly string[],
  rows: ReadonlyArray<readonly (string | number)[]>,
): D1PreparedStatement[] {
  const values = columns.filter((c) => !keyColumns.includes(c));
  const perStatement = Math.max(1, Math.floor(D1_MAX_PARAMS / columns.length));
  const tuple = `(${columns.map(() => "?").join(", ")})`;
  const set = values.map((c) => `${c} = excluded.${c}`).join(", ");
  const changed = values.map((c) => `${c} IS NOT excluded.${c}`).join(" OR ");
  return chunks(rows, perStatement).map((chunk) =>
    d1
      .prepare(
        `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")}
         ON CONFLICT (${keyColumns.join(", ")}) DO UPDATE SET ${set} WHERE ${changed}`,
      )
      .bind(...chunk.flat()),
  );
}

/** Upserts of telemetry minute rows. */
export function minuteUpserts(
  d1: D1Database,
  projectId: string,
  rows: readonly MinuteRow[],
): D1PreparedStatement[] {
  const tuples = rows.map((r) => {
    const latency: number[] = [];
    for (let i = 0; i < LATENCY_BUCKET_COUNT; i += 1) {
      latency.push(r.counts.latency[i] ?? 0);
    }
    return [
      projectId,
      r.service,
      r.bundleId,
      r.bucketStart,
      r.counts.requests,
      r.counts.errors5xx,
      r.counts.errors4xx,
      r.counts.latencySumMs,
      ...latency,
      r.counts.reports,
    ];
  });
  return upserts(
    d1,
    "telemetry_minutes",
    TELEMETRY_COLUMNS,
    ["project_id", "service", "bundle_id", "bucket_start"],
    tuples,
  );
}

/** Upserts of WAF minute rows. */
export function wafUpserts(
  d1: D1Database,
  projectId: string,
  rows: readonly WafRow[],
): D1PreparedStatement[] {
  return upserts(
    d1,
    "waf_minutes",
    ["project_id", "service", "rule_id", "bucket_start", "blocked", "challenged"],
    ["project_id", "service", "rule_id", "bucket_start"],
    rows.map((r) => [projectId, r.service, r.ruleId, r.bucketStart, r.blocked, r.challenged]),
  );
}

/** Upserts of per-node WAF hour rows. */
export function wafNodeUpserts(
  d1: D1Database,
  projectId: string,
  rows: readonly WafNodeRow[],
): D1PreparedStatement[] {
  return upserts(
    d1,
    "waf_node_hours",
    ["project_id", "node_id", "bucket_start", "blocked", "challenged"],
    ["project_id", "node_id", "bucket_start"],
    rows.map((r) => [projectId, r.nodeId, r.bucketStart, r.blocked, r.challenged]),
  );
}

/** Column list of the rollup tables' value columns (used by the rollup SQL). */
export const TELEMETRY_SUM_COLUMNS: readonly string[] = TELEMETRY_VALUE_COLUMNS;
