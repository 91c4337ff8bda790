import { assertNever } from "../assert";
import type { RolloutSpec, SpecProblem } from "./spec";
import { validateRolloutSpec } from "./spec";

/** A node the target selector matched, with what the planner needs to know about it. */
export interface CandidateNode {
  readonly id: string;
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** A node pinned to another bundle is skipped; pinned to this bundle it is planned. */
  readonly pinnedBundleId?: string | null;
  readonly activeBundleId?: string | null;
  readonly desiredBundleId?: string | null;
}

/** Input of {@link planRollout}. */
export interface PlanRolloutInput {
  readonly rolloutSpec: RolloutSpec;
  readonly candidateNodes: readonly CandidateNode[];
  /** Nodes held by another non-terminal rollout (see `ACTIVE_ROLLOUT_STATES`). */
  readonly nodesInOtherActiveRollouts: ReadonlySet<string>;
  readonly bundleId: string;
}

/** Why a candidate node is not part of the plan. */
export type SkipReason = "pinned_to_other_bundle" | "already_active";

/** A candidate node left out of the plan; the route records it with node state `skipped`. */
export interface SkippedNode {
  readonly nodeId: string;
  readonly reason: SkipReason;
}

/** Why planning was refused. `node_conflict` maps to HTTP 409, the others to 400/422. */
export type PlanErrorCode = "invalid_spec" | "no_target_nodes" | "node_conflict";

/** A refused plan. */
export interface PlanError {
  readonly code: PlanErrorCode;
  readonly message: string;
  /** For `node_conflict`: every planned node already in another active rollout, sorted. */
  readonly conflictingNodeIds?: readonly string[];
  /** For `invalid_spec`: every problem, in error-envelope detail shape. */
  readonly problems?: readonly SpecProblem[];
}

/** The result of {@link planRollout}: node ids per step, in execution order. */
export type PlanResult =
  | { readonly ok: true; readonly steps: string[][]; readonly skipped: SkippedNode[] }
  | { readonly ok: false; readonly error: PlanError };

/** Code-unit comparison: locale-independent, so every runtime plans the same order. */
function compareText(a: string, b: string): number {
  if (a < b) {
    return -1;
  }
  return a > b ? 1 : 0;
}

/**
 * Plans a rollout: orders the candidates deterministically (by name, then id), drops nodes
 * pinned to another bundle or already running this one, refuses nodes held by another active
 * rollout (all of them are listed), and cuts the rest into steps according to the strategy.
 * Pure and deterministic: the same input always gives the same steps.
 */
export function planRollout(input: PlanRolloutInput): PlanResult {
  const { rolloutSpec: spec, bundleId } = input;
  const problems = validateRolloutSpec(spec);
  if (problems.length > 0) {
    return {
      ok: false,
      error: { code: "invalid_spec", message: "the rollout spec is invalid", problems },
    };
  }
  const seen = new Set<string>();
  const ordered = [...input.candidateNodes]
    .sort((a, b) => compareText(a.name, b.name) || compareText(a.id, b.id))
    .filter((node) => !seen.has(node.id) && seen.add(node.id));
  const planned: string[] = [];
  const skipped: SkippedNode[] = [];
  for (const node of ordered) {
    if (node.pinnedBundleId && node.pinnedBundleId !== bundleId) {
      skipped.push({ nodeId: node.id, reason: "pinned_to_other_bundle" });
    } else if (
      node.activeBundleId === bundleId &&
      (node.desiredBundleId ?? bundleId) === bundleId
    ) {
      // Already converged: assigning it would record its "previous" bundle as this one.
      skipped.push({ nodeId: node.id, reason: "already_active" });
    } else {
      planned.push(node.id);
    }
  }
  const conflicting = planned.filter((id) => input.nodesInOtherActiveRollouts.has(id)).sort();
  if (conflicting.length > 0) {
    return {
      ok: false,
      error: {
        code: "node_conflict",
        message: `${conflicting.length} target node(s) are already in another active rollout`,
        conflictingNodeIds: conflicting,
      },
    };
  }
  if (planned.length === 0) {
    return {
      ok: false,
      error: { code: "no_target_nodes", message: "no target nodes left after skipping" },
    };
  }
  return { ok: true, steps: cut(planned, stepEnds(spec, planned.length)), skipped };
}

/** Splits `ids` at the given cumulative end indexes (the last one is `ids.length`). */
function cut(ids: readonly string[], ends: readonly number[]): string[][] {
  const steps: string[][] = [];
  let start = 0;
  for (const end of ends) {
    steps.push(ids.slice(start, end));
    start = end;
  }
  return steps;
}

/**
 * Cumulative node counts at the end of each step for `n` planned nodes: strictly increasing,
 * the first at least 1, the last exactly `n`.
 */
export function stepEnds(spec: RolloutSpec, n: number): number[] {
  switch (spec.strategy) {
    case "all_at_once":
      return [n];
    case "rolling":
      return evenEnds(n, batchSize(spec, n));
    case "canary":
      return canaryEnds(spec.canary.steps, n);
    case "blue_green": {
      const green = greenCohortSize(spec.blue_green.green_percentage, n);
      return green < n ? [green, n] : [n];
    }
    default:
      return assertNever(spec.strategy, "strategy");
  }
}

/** Rolling batch size: `max(1, floor(n·pct/100))` with `batch_percentage`, else `batch_size`. */
export function batchSize(spec: RolloutSpec, n: number): number {
  if (spec.batch_percentage !== null) {
    return Math.max(1, Math.floor((n * spec.batch_percentage) / 100));
  }
  return spec.batch_size;
}

function evenEnds(n: number, size: number): number[] {
  const ends: number[] = [];
  for (let end = size; end < n; end += size) {
    ends.push(end);
  }
  ends.push(n);
  return ends;
}

/**
 * Canary cohorts: cumulative targets `floor(n·pct/100)`, each step adding at least one node,
 * capped at `n`; steps that would add nothing are dropped, and the last step always reaches `n`
 * (100 % is implied when the list stops short of it). Rounding down keeps early cohorts small.
 */
export function canaryEnds(percentages: readonly number[], n: number): number[] {
  const ends: number[] = [];
  let previous = 0;
  for (const pct of percentages) {
    if (previous >= n) {
      break;
    }
    const end = Math.min(n, Math.max(previous + 1, Math.floor((n * pct) / 100)));
    ends.push(end);
    previous = end;
  }
  if (previous < n) {
    ends.push(n);
  }
  return ends;
}

/** Green cohort size: `ceil(n·pct/100)`, at least 1 and at most `n` (50 % → ceil(n/2)). */
export function greenCohortSize(percentage: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil((n * percentage) / 100)));
}
