import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CandidateNode, PlanResult, RolloutSpecInput } from "../../../src/domain/rollout";
import {
  canaryEnds,
  planRollout,
  resolveRolloutSpec,
  validateRolloutSpec,
} from "../../../src/domain/rollout";
import { BUNDLE, PREV } from "./helpers";

function nodes(n: number): CandidateNode[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `id-${String(i).padStart(3, "0")}`,
    name: `node-${String(i).padStart(3, "0")}`,
    activeBundleId: PREV,
  }));
}

function plan(
  candidates: CandidateNode[],
  spec: RolloutSpecInput,
  busy: string[] = [],
): PlanResult {
  return planRollout({
    rolloutSpec: resolveRolloutSpec(spec),
    candidateNodes: candidates,
    nodesInOtherActiveRollouts: new Set(busy),
    bundleId: BUNDLE,
  });
}

function sizes(result: PlanResult): number[] {
  if (!result.ok) {
    throw new Error(result.error.message);
  }
  return result.steps.map((s) => s.length);
}

describe("planRollout", () => {
  it("orders by name then id, whatever the input order", () => {
    const list: CandidateNode[] = [
      { id: "z", name: "beta" },
      { id: "b", name: "alpha" },
      { id: "a", name: "alpha" },
      { id: "c", name: "Zulu" },
    ];
    const result = plan([...list].reverse(), { strategy: "all_at_once" });
    expect(result).toEqual({ ok: true, steps: [["c", "a", "b", "z"]], skipped: [] });
    expect(plan(list, { strategy: "all_at_once" })).toEqual(result);
  });

  it("cuts rolling steps by batch_size and by batch_percentage = max(1, floor(n·pct/100))", () => {
    expect(sizes(plan(nodes(7), { batch_size: 3 }))).toEqual([3, 3, 1]);
    expect(sizes(plan(nodes(10), { batch_percentage: 25 }))).toEqual([2, 2, 2, 2, 2]);
    expect(sizes(plan(nodes(3), { batch_percentage: 10 }))).toEqual([1, 1, 1]);
    expect(sizes(plan(nodes(5), { strategy: "all_at_once" }))).toEqual([5]);
  });

  it("sizes canary cohorts from cumulative percentages, ≥ 1 node each, ending at 100 %", () => {
    expect(sizes(plan(nodes(100), { strategy: "canary" }))).toEqual([5, 20, 25, 50]);
    expect(sizes(plan(nodes(10), { strategy: "canary" }))).toEqual([1, 1, 3, 5]);
    expect(sizes(plan(nodes(3), { strategy: "canary" }))).toEqual([1, 1, 1]);
    expect(sizes(plan(nodes(1), { strategy: "canary" }))).toEqual([1]);
    expect(canaryEnds([10, 40], 20)).toEqual([2, 8, 20]);
  });

  it("makes a blue-green green cohort of ceil(n/2) (or the configured share) and the rest", () => {
    expect(sizes(plan(nodes(5), { strategy: "blue_green" }))).toEqual([3, 2]);
    expect(sizes(plan(nodes(1), { strategy: "blue_green" }))).toEqual([1]);
    expect(
      sizes(plan(nodes(10), { strategy: "blue_green", blue_green: { green_percentage: 20 } })),
    ).toEqual([2, 8]);
  });

  it("skips nodes pinned to another bundle and nodes already running this one", () => {
    const list: CandidateNode[] = [
      { id: "a", name: "a", pinnedBundleId: "c".repeat(64) },
      { id: "b", name: "b", pinnedBundleId: BUNDLE },
      { id: "c", name: "c", activeBundleId: BUNDLE, desiredBundleId: BUNDLE },
      { id: "d", name: "d", activeBundleId: BUNDLE, desiredBundleId: PREV },
    ];
    expect(plan(list, { strategy: "all_at_once" })).toEqual({
      ok: true,
      steps: [["b", "d"]],
      skipped: [
        { nodeId: "a", reason: "pinned_to_other_bundle" },
        { nodeId: "c", reason: "already_active" },
      ],
    });
  });

  it("refuses nodes held by another active rollout, listing all of them", () => {
    const result = plan(nodes(5), {}, ["id-003", "id-001", "not-a-candidate"]);
    expect(result).toMatchObject({
      ok: false,
      error: { code: "node_conflict", conflictingNodeIds: ["id-001", "id-003"] },
    });
    const pinned: CandidateNode[] = [...nodes(2), { id: "p", name: "p", pinnedBundleId: PREV }];
    expect(plan(pinned, {}, ["p"]).ok).toBe(true);
  });

  it("refuses an empty target and an invalid spec (with every problem)", () => {
    expect(plan([], {})).toMatchObject({ ok: false, error: { code: "no_target_nodes" } });
    const bad = plan(nodes(3), { batch_size: 0, canary: { steps: [50, 10], confidence: 2 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe("invalid_spec");
      expect(bad.error.problems?.map((p) => p.path)).toEqual([
        "batch_size",
        "canary.steps[1]",
        "canary.confidence",
      ]);
    }
  });

  it("deduplicates candidates", () => {
    const list = nodes(2);
    expect(sizes(plan([...list, ...list], { strategy: "all_at_once" }))).toEqual([2]);
  });

  it("always partitions the planned nodes into non-empty steps in sorted order (property)", () => {
    const specArb = fc.oneof(
      fc.record({
        strategy: fc.constant("rolling" as const),
        batch_size: fc.integer({ min: 1, max: 20 }),
      }),
      fc.record({
        strategy: fc.constant("rolling" as const),
        batch_percentage: fc.integer({ min: 1, max: 100 }),
      }),
      fc.record({ strategy: fc.constant("all_at_once" as const) }),
      fc.record({
        strategy: fc.constant("canary" as const),
        canary: fc.record({
          steps: fc
            .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 6 })
            .map((s) => s.sort((a, b) => a - b)),
        }),
      }),
      fc.record({
        strategy: fc.constant("blue_green" as const),
        blue_green: fc.record({ green_percentage: fc.integer({ min: 1, max: 100 }) }),
      }),
    );
    const shuffledFleet = fc
      .integer({ min: 1, max: 120 })
      .chain((n) =>
        fc.tuple(fc.constant(nodes(n)), fc.shuffledSubarray(nodes(n), { minLength: n })),
      );
    fc.assert(
      fc.property(shuffledFleet, specArb, ([candidates, shuffled], spec) => {
        const result = plan(shuffled, spec);
        expect(validateRolloutSpec(resolveRolloutSpec(spec))).toEqual([]);
        if (!result.ok) {
          throw new Error(result.error.message);
        }
        expect(result.steps.every((s) => s.length > 0)).toBe(true);
        expect(result.steps.flat()).toEqual(candidates.map((c) => c.id));
      }),
    );
  });
});

describe("resolveRolloutSpec", () => {
  it("applies the documented defaults", () => {
    const spec = resolveRolloutSpec({
      progress_deadline_seconds: 120,
      health_gates: { max_error_rate: 5 },
    });
    expect(spec).toMatchObject({
      strategy: "rolling",
      batch_size: 1,
      batch_percentage: null,
      max_unavailable: 0,
      bake_seconds: 0,
      auto_rollback: true,
      rollback_deadline_seconds: 120,
      health_gates: { heartbeat_healthy: true, max_error_rate: 5, max_latency_ms: null },
      canary: { steps: [5, 25, 50, 100], confidence: 0.95, analysis_window_seconds: 300 },
      blue_green: { green_percentage: 50, auto_promote: false },
    });
  });

  it("rejects a batch_percentage combined with a batch_size", () => {
    const problems = validateRolloutSpec(
      resolveRolloutSpec({ batch_size: 5, batch_percentage: 10 }),
    );
    expect(problems).toEqual([
      { path: "batch_percentage", message: "cannot be combined with a batch_size other than 1" },
    ]);
  });
});
