import { describe, expect, it } from "vitest";
import { reportWakesTick } from "../../../src/domain/rollout";
import { buildFleetRollout, fleetNodeId } from "../../../src/domain/rollout/testing/fleet";
import { FIXTURES } from "./fixtures";

describe("reportWakesTick (activation-driven batches)", () => {
  it("wakes the tick for a node of the current step only", () => {
    const { rollout } = buildFleetRollout({ nodeCount: 30, stepSize: 10, stepIndex: 1 });
    // Step 1 holds nodes 10..19; step 0 is done, step 2 not started.
    expect(reportWakesTick(rollout, fleetNodeId(10))).toBe(true);
    expect(reportWakesTick(rollout, fleetNodeId(19))).toBe(true);
    expect(reportWakesTick(rollout, fleetNodeId(3))).toBe(false);
    expect(reportWakesTick(rollout, fleetNodeId(25))).toBe(false);
    expect(reportWakesTick(rollout, "not-in-the-rollout")).toBe(false);
  });

  it("never wakes a rollout that does not tick on node data", () => {
    for (const state of ["paused", "completed", "cancelled", "pending_approval"] as const) {
      const r = FIXTURES[state]();
      const anyNode = r.plan.flat()[0] ?? "n";
      expect(reportWakesTick(r, anyNode), state).toBe(false);
    }
  });
});
