/** Helpers for telemetry tests: reports in wire form, the aggregator stub, D1 sums. */
import { env } from "cloudflare:test";
import { LATENCY_BUCKET_COUNT, LATENCY_COLUMNS } from "../../src/domain/telemetry/buckets";
import { nodeKeyHeaders } from "./fixtures";
import { type CallResult, call } from "./harness";

/** One service delta in wire form. */
export interface WireService {
  service: string;
  requests: number;
  errors_5xx?: number;
  errors_4xx?: number;
  latency_sum_ms?: number;
  latency_buckets?: number[];
}

/** A wire report; `interval_start` defaults to now. */
export interface WireReport {
  interval_start?: string;
  interval_seconds?: number;
  bundle_id?: string | null;
  services?: WireService[];
  waf?: Array<{ rule_id: string; service?: string; blocked?: number; challenged?: number }>;
}

/** A histogram with every request in bucket `index` (default: the 25–50 ms bucket). */
export function histogramAt(requests: number, index = 3): number[] {
  const h = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  h[index] = requests;
  return h;
}

/** POST …/nodes/{id}/telemetry as the node. */
export function sendTelemetry(
  node: { nodeId: string; nodeKey: string },
  report: WireReport,
): Promise<CallResult<{ status: string; counted: boolean; reason?: string }>> {
  return call("POST", `/api/v1/nodes/${node.nodeId}/telemetry`, {
    headers: nodeKeyHeaders(node.nodeKey),
    body: {
      interval_start: new Date(Date.now() - 30_000).toISOString(),
      interval_seconds: 30,
      ...report,
    },
  });
}

/** The project's telemetry aggregator. */
export function aggregator(projectId: string) {
  return env.TELEMETRY.get(env.TELEMETRY.idFromName(projectId));
}

/** Column sums of a telemetry table for a project (optionally one service). */
export async function tableSums(
  table: "telemetry_minutes" | "telemetry_hours" | "telemetry_days",
  projectId: string,
  service?: string,
): Promise<Record<string, number>> {
  const columns = ["requests", "errors_5xx", "errors_4xx", "reports", ...LATENCY_COLUMNS];
  const row = await env.DB.prepare(
    `SELECT ${columns.map((c) => `COALESCE(SUM(${c}), 0) AS ${c}`).join(", ")}
     FROM ${table} WHERE project_id = ? AND (? IS NULL OR service = ?)`,
  )
    .bind(projectId, service ?? null, service ?? null)
    .first<Record<string, number>>();
  return row ?? {};
}

/** Row count of a table for a project. */
export async function rowCount(table: string, projectId: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?`)
    .bind(projectId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
