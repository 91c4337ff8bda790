/**
 * The RPC surface of TelemetryAggregatorDO (one instance per project, `idFromName(projectId)`).
 * Callers type the binding through this interface, never through the class, so the Worker's
 * binding types do not import Durable Object code.
 */
import type { Counts, TelemetryReport } from "../domain/telemetry/report";

/** Outcome of one ingest: counted, or why not (a retry is acknowledged, never counted twice). */
export type IngestOutcome =
  | { readonly counted: true }
  | { readonly counted: false; readonly reason: "duplicate" | "too_old" };

/** What one flush wrote to D1. */
export interface FlushResult {
  readonly statements: number;
  readonly rows: number;
}

/** Counts of the rollout's bundle vs every other bundle over a recent window. */
export interface CohortCounts {
  readonly updated: Counts;
  readonly baseline: Counts;
}

/** RPC methods of the per-project telemetry aggregator. */
export interface TelemetryAggregatorRpc extends Rpc.DurableObjectBranded {
  /** Adds one node report (deduplicated by node + interval start) to the open minute. */
  ingest(
    projectId: string,
    nodeId: string,
    report: TelemetryReport,
    receivedAt: number,
  ): Promise<IngestOutcome>;
  /** Writes every changed minute row to D1 now (the alarm does it once a minute). */
  flush(): Promise<FlushResult>;
  /**
   * Counts since `sinceMs` of `service` (null: all services) on `bundleId` (updated) and on
   * every other bundle (baseline), from the minutes the aggregator still holds (2 h).
   */
  cohorts(service: string | null, bundleId: string, sinceMs: number): Promise<CohortCounts>;
}
