import { describe, expect, it } from "vitest";
import type { ReduceResult, RolloutCommand } from "../../../src/domain/rollout";
import {
  changedEntrySteps,
  fromStored,
  observationScope,
  ROLLBACK_WINDOW_NODES,
  reduceRollout,
  toStored,
} from "../../../src/domain/rollout";
import {
  buildFleetRollout,
  FLEET_BUNDLE_ID,
  FLEET_PREVIOUS_BUNDLE_ID,
  observeNode,
  stepObservations,
} from "../../../src/domain/rollout/testing/fleet";

/** Every node id a command refers to. */
function nodeIdsIn(commands: readonly RolloutCommand[]): Set<string> {
  const out = new Set<string>();
  for (const c of commands) {
    if (c.type === "assign" || c.type === "unassign") {
      out.add(c.nodeId);
    } else if (c.type === "persist_nodes") {
      for (const u of c.updates) {
        out.add(u.nodeId);
      }
    }
  }
  return out;
}

describe("a 10,000-node rollout with 500-node steps", () => {
  const fleet = buildFleetRollout({ nodeCount: 10_000, stepSize: 500, stepIndex: 7 });
  const step = fleet.rollout.plan[7] ?? [];

  it("observes and touches only the current step's nodes on a tick", () => {
    const scope = observationScope(fleet.rollout);
    expect(scope.nodeIds).toEqual(step);
    expect(scope.baselineNodeIds).toEqual([]);
    const observations = stepObservations(fleet);
    expect(observations.nodes).toHaveLength(500);

    const result = reduceRollout(fleet.rollout, { type: "tick", observations }, fleet.now);
    const touched = nodeIdsIn(result.commands);
    expect(touched.size).toBe(500);
    expect([...touched].every((id) => step.includes(id))).toBe(true);
    const updates = result.commands.flatMap((c) => (c.type === "persist_nodes" ? c.updates : []));
    expect(updates).toHaveLength(500);
    expect(new Set(updates.map((u) => u.status))).toEqual(new Set(["verified"]));
    expect(changedEntrySteps(fleet.rollout, result.rollout)).toEqual([7]);
    // Other steps' entry arrays are shared, not copied.
    expect(result.rollout.entries[3]).toBe(fleet.rollout.entries[3]);
    expect(result.rollout.entries[12]).toBe(fleet.rollout.entries[12]);
    expect(result.rollout.state === "running" && result.rollout.step).toEqual({
      phase: "starting",
      index: 8,
    });
  });

  it("ignores observations of nodes outside the step", () => {
    const observations = stepObservations(fleet);
    const noise = fleet.rollout.plan
      .filter((_, i) => i !== 7)
      .flat()
      .map((id) =>
        observeNode(id, FLEET_BUNDLE_ID, fleet.now, { health: "unhealthy", lastReport: null }),
      );
    const plain = reduceRollout(fleet.rollout, { type: "tick", observations }, fleet.now);
    const noisy = reduceRollout(
      fleet.rollout,
      { type: "tick", observations: { ...observations, nodes: [...noise, ...observations.nodes] } },
      fleet.now,
    );
    expect(noisy).toEqual(plain);
  });

  it("assigns exactly the next step's nodes when that step starts", () => {
    const done = reduceRollout(
      fleet.rollout,
      { type: "tick", observations: stepObservations(fleet) },
      fleet.now,
    );
    const next = { ...fleet, rollout: done.rollout as typeof fleet.rollout, now: fleet.now + 1 };
    const scope = observationScope(next.rollout);
    expect(scope.nodeIds).toEqual(next.rollout.plan[8]);
    const previous = scope.nodeIds.map((id) => observeNode(id, FLEET_PREVIOUS_BUNDLE_ID, next.now));
    const started: ReduceResult = reduceRollout(
      next.rollout,
      { type: "tick", observations: { bundle: { revoked: false }, nodes: previous, baseline: [] } },
      next.now,
    );
    const assigns = started.commands.filter((c) => c.type === "assign");
    expect(assigns.map((c) => c.nodeId)).toEqual(next.rollout.plan[8]);
    expect(started.rollout.bundles).toEqual([FLEET_PREVIOUS_BUNDLE_ID]);
  });

  it("rolls back in bounded observation windows", () => {
    const result = reduceRollout(fleet.rollout, { type: "rollback", actor: "op" }, fleet.now);
    expect(result.commands.filter((c) => c.type === "assign")).toHaveLength(8 * 500);
    const scope = observationScope(result.rollout);
    expect(scope.nodeIds).toHaveLength(ROLLBACK_WINDOW_NODES);
  });

  it("keeps the persisted state small and round-trips it", () => {
    const completed = buildFleetRollout({ nodeCount: 10_000, stepSize: 500, stepIndex: 19 });
    const stored = toStored(completed.rollout);
    const bytes = JSON.stringify(stored).length;
    expect(bytes / 10_000).toBeLessThan(100);
    expect(JSON.stringify(stored.core).length).toBeLessThan(4096);
    expect(fromStored(JSON.parse(JSON.stringify(stored)))).toEqual(completed.rollout);
    const future = JSON.parse(JSON.stringify({ ...stored, core: { ...stored.core, version: 2 } }));
    expect(() => fromStored(future)).toThrow(/version/);
  });
});
