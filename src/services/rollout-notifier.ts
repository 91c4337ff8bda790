import type { NodeReport } from "../rpc/rollout";
import type { Services } from "./index";

export type { NodeReport, NodeReportKind, RolloutReportSink } from "../rpc/rollout";

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
