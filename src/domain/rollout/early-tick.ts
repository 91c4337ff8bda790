/**
 * When a node report brings the rollout's next tick forward (activation-driven batches). The
 * 5 s tick stays the safety net; a report from a node the next tick actually observes (the
 * current step, or the rollback window) asks for a tick now, so a batch advances as soon as its
 * nodes activated and heartbeated, and bake time is the only wait the operator chose. Reports
 * from other nodes (earlier steps still heartbeating) change nothing the tick would look at.
 */
import { observationScope } from "./scope";
import type { Rollout } from "./types";

/** Whether a report from `nodeId` should make the next tick of `rollout` due now. */
export function reportWakesTick(rollout: Rollout, nodeId: string): boolean {
  if (rollout.state !== "running" && rollout.state !== "rolling_back") {
    return false;
  }
  return observationScope(rollout).nodeIds.includes(nodeId);
}
