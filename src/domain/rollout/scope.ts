import { assertNever } from "../assert";
import { rollbackWindow } from "./rollback";
import type { Rollout } from "./types";

/** Smallest baseline sample for canary analysis (the sample matches the cohort size). */
export const MIN_BASELINE_NODES = 10;
/** Largest baseline sample: bounds the extra node reads of an analysis tick. */
export const MAX_BASELINE_NODES = 500;

/** What the shell must read before a tick. */
export interface ObservationScope {
  /** Nodes to observe (`Observations.nodes`): the current step, or the rollback window. */
  readonly nodeIds: readonly string[];
  /** Baseline nodes to observe (`Observations.baseline`) while a canary cohort is analysed. */
  readonly baselineNodeIds: readonly string[];
}

const NOTHING: ObservationScope = { nodeIds: [], baselineNodeIds: [] };

/**
 * The nodes the next tick needs observations for. Never the whole fleet: the current step's
 * nodes (O(step size)), a bounded rollback window, and for a canary analysis a bounded
 * baseline sample taken from the steps not yet started (nodes still on their old bundle).
 */
export function observationScope(r: Rollout): ObservationScope {
  switch (r.state) {
    case "running": {
      const step = r.step;
      const nodeIds = r.plan[step.index] ?? [];
      if (step.phase !== "analysing") {
        return { nodeIds, baselineNodeIds: [] };
      }
      return { nodeIds, baselineNodeIds: baselineSample(r.plan, step.index, nodeIds.length) };
    }
    case "rolling_back":
      return { nodeIds: rollbackWindow(r).map((p) => p.nodeId), baselineNodeIds: [] };
    case "pending_approval":
    case "scheduled":
    case "paused":
    case "completed":
    case "failed":
    case "cancelled":
    case "rolled_back":
      return NOTHING;
    default:
      return assertNever(r, "rollout state");
  }
}

/** The first nodes (plan order) of the steps after `stepIndex`, about as many as the cohort. */
function baselineSample(
  plan: readonly (readonly string[])[],
  stepIndex: number,
  cohortSize: number,
): string[] {
  const want = Math.min(MAX_BASELINE_NODES, Math.max(MIN_BASELINE_NODES, cohortSize));
  const sample: string[] = [];
  for (let i = stepIndex + 1; i < plan.length && sample.length < want; i += 1) {
    sample.push(...(plan[i] ?? []).slice(0, want - sample.length));
  }
  return sample;
}
