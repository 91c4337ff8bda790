import type { Services } from "./index";

/** What a node told the control plane about a bundle, as the rollout engine sees it. */
export type NodeReportKind = "staged" | "activated" | "verified" | "failed" | "heartbeat";

/** One node report, forwarded to the rollout that currently targets the node. */
export interface NodeReport {
  nodeId: string;
  /**
   * The bundle the report is about. For `heartbeat` it is the node's newly reported active
   * bundle, null when the node says it runs none.
   */
  bundleId: string | null;
  kind: NodeReportKind;
  /** The node's failure reason (`failed` reports). */
  error?: string;
  /** When the control plane received the report (ms since the epoch). */
  at: number;
}

/**
 * The RPC the rollout Durable Object exposes for node reports. `RolloutDO.onNodeReport` must
 * implement exactly this signature; it must tolerate duplicates and reports for bundles or nodes
 * that are no longer part of the rollout (delivery is at-least-once and unordered).
 */
export interface RolloutReportSink {
  onNodeReport(report: NodeReport): Promise<void>;
}

/**
 * Tells the rollout's Durable Object about a node report so its next decision does not wait for
 * the alarm tick. Runs after the response (`services.defer`); a DO that cannot be reached is
 * logged and never fails the node's request: the tick reads the same state from D1 anyway.
 */
export function notifyNodeReport(
  services: Pick<Services, "rollouts" | "logger" | "defer">,
  rolloutId: string,
  report: NodeReport,
): void {
  services.defer(
    (async () => {
      try {
        const stub = services.rollouts.get(services.rollouts.idFromName(rolloutId));
        await stub.onNodeReport(report);
      } catch (err) {
        services.logger.warn("rollout notification failed", {
          rollout_id: rolloutId,
          node_id: report.nodeId,
          kind: report.kind,
          error: String(err),
        });
      }
    })(),
  );
}
