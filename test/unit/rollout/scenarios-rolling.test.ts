import { describe, expect, it } from "vitest";
import type { Rollout } from "../../../src/domain/rollout";
import { nodeStatusAt, observationScope, reduceRollout } from "../../../src/domain/rollout";
import type { FleetSimulator } from "../../../src/domain/rollout/testing/simulator";
import { driveRollout } from "../../../src/domain/rollout/testing/simulator";
import {
  BUNDLE,
  commandsOf,
  create,
  expectState,
  ids,
  obs,
  PREV,
  simFleet,
  T0,
  tick,
} from "./helpers";
import { AssignmentLedger } from "./invariants";

const HOUR = 3_600_000;

function statuses(r: Rollout): Record<string, string> {
  const out: Record<string, string> = {};
  r.plan.forEach((step, i) => {
    step.forEach((id, pos) => {
      out[id] = nodeStatusAt(r, i, pos);
    });
  });
  return out;
}

function run(r: Rollout, sim: FleetSimulator, from = T0, until = from + HOUR) {
  const ledger = new AssignmentLedger();
  const end = driveRollout(r, sim, from, until, ledger.check);
  return { ...end, ledger };
}

describe("rolling", () => {
  it("completes over 50 nodes, assigning each node once, in plan order", () => {
    const sim = simFleet(50);
    const { rollout, ledger } = run(create(50, { batch_size: 5 }).rollout, sim);
    const done = expectState(rollout, "completed");
    expect(done.counts).toMatchObject({ verified: 50, pending: 0, failed: 0 });
    expect([...ledger.forward.keys()].sort()).toEqual(ids(50));
    expect(ids(50).every((id) => sim.activeOf(id) === BUNDLE)).toBe(true);
    const started = ledger
      .emitted("rollout.step_started")
      .map((e) => (e.payload as { step_index: number }).step_index);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const rows = ledger.steps.flatMap((s) => commandsOf(s.result, "persist_rollout"));
    expect(rows.at(-1)?.summary).toMatchObject({
      state: "completed",
      stepIndex: 9,
      stepCount: 10,
      stepPhase: null,
      progress: { total: 50, verified: 50, pending: 0 },
      finishedAt: done.finishedAt,
      error: null,
    });
  });

  it("rolls every touched node back to its previous bundle when one fails to activate", () => {
    const sim = simFleet(10, (id) => (id === "n04" ? { outcome: "fail" } : {}));
    const { rollout, ledger } = run(create(10, { batch_size: 3 }).rollout, sim);
    const done = expectState(rollout, "rolled_back");
    expect(done.cause).toMatchObject({
      kind: "automatic",
      error: { reason: "node_activation_failed", nodeIds: ["n04"] },
    });
    const touched = ids(6);
    expect([...ledger.rolledBack.entries()].sort()).toEqual(touched.map((id) => [id, PREV]));
    for (const id of ids(10)) {
      expect(sim.activeOf(id)).toBe(PREV);
      expect(sim.desiredOf(id)).toBe(PREV);
    }
    expect(ledger.forward.has("n06")).toBe(false);
    expect(done.counts).toMatchObject({ rolled_back: 6, skipped: 4 });
  });

  it("does not let a pause consume the progress deadline", () => {
    const sim = simFleet(6, () => ({ activationDelayMs: 30_000 }));
    const first = run(
      create(6, { batch_size: 2, progress_deadline_seconds: 60 }).rollout,
      sim,
      T0,
      T0 + 2000,
    );
    const paused = reduceRollout(first.rollout, { type: "pause", actor: "op" }, T0 + 3000);
    expect(paused.rollout.state).toBe("paused");
    expect(observationScope(paused.rollout).nodeIds).toEqual([]);
    const idle = run(paused.rollout, sim, T0 + 3000, T0 + 600_000);
    expect(idle.rollout.state).toBe("paused");
    expect(idle.ledger.forward.size).toBe(0);
    const resumed = reduceRollout(idle.rollout, { type: "resume", actor: "op" }, T0 + 600_000);
    expect(resumed.wakeAt).toBe(T0 + 600_000);
    const { rollout } = run(resumed.rollout, sim, T0 + 600_000);
    expect(rollout.state).toBe("completed");
  });

  it("honours a failure reported during a pause once resumed", () => {
    const assigned = tick(
      create(2, { strategy: "all_at_once", auto_rollback: false }).rollout,
      T0,
    ).rollout;
    const paused = reduceRollout(assigned, { type: "pause", actor: "op" }, T0 + 1000).rollout;
    const resumed = reduceRollout(paused, { type: "resume", actor: "op" }, T0 + 600_000).rollout;
    const report = {
      bundleId: BUNDLE,
      kind: "failed" as const,
      at: T0 + 5000,
      error: "bad listener",
    };
    const now = T0 + 600_001;
    const result = tick(resumed, now, (id) =>
      obs(id, PREV, now, id === "n00" ? { lastReport: report } : {}),
    );
    expect(expectState(result.rollout, "failed").error).toMatchObject({
      reason: "node_activation_failed",
      nodeIds: ["n00"],
    });
  });

  it("cancel withdraws the bundle from nodes that have not activated it", () => {
    const sim = simFleet(6, (id) => ({ activationDelayMs: id === "n01" ? 100_000 : 5000 }));
    const first = run(create(6, { batch_size: 3 }).rollout, sim, T0, T0 + 20_000);
    const result = reduceRollout(
      first.rollout,
      { type: "cancel", actor: "op", reason: "freeze" },
      T0 + 21_000,
    );
    sim.execute(result.commands, T0 + 21_000);
    const cancelled = expectState(result.rollout, "cancelled");
    expect(commandsOf(result, "unassign")).toEqual([
      { type: "unassign", nodeId: "n01", bundleId: BUNDLE, restoreBundleId: PREV },
    ]);
    expect(commandsOf(result, "skip_pending_nodes")).toHaveLength(1);
    expect(statuses(cancelled)).toEqual({
      n00: "active",
      n01: "skipped",
      n02: "active",
      n03: "skipped",
      n04: "skipped",
      n05: "skipped",
    });
    expect(sim.desiredOf("n01")).toBe(PREV);
    expect(sim.desiredOf("n00")).toBe(BUNDLE);
    expect(cancelled.cancellation).toEqual({ kind: "operator", actor: "op", reason: "freeze" });
  });

  it.each([
    [false, "failed"],
    [true, "rolled_back"],
  ] as const)("fails at the progress deadline (auto_rollback %s → %s)", (autoRollback, end) => {
    const sim = simFleet(4, (id) => (id === "n01" ? { outcome: "hang" } : {}));
    const spec = { batch_size: 2, progress_deadline_seconds: 60, auto_rollback: autoRollback };
    const { rollout, ledger } = run(create(4, spec).rollout, sim);
    expect(rollout.state).toBe(end);
    const failedAt = ledger.emitted("rollout.failed")[0]?.at ?? 0;
    expect(failedAt).toBeGreaterThanOrEqual(T0 + 60_000);
    expect(failedAt).toBeLessThanOrEqual(T0 + 60_000 + 5000);
    if (rollout.state === "failed") {
      expect(rollout.error).toMatchObject({ reason: "deadline_exceeded", stepIndex: 0 });
      expect(sim.desiredOf("n00")).toBe(BUNDLE);
    } else {
      expect(sim.activeOf("n00")).toBe(PREV);
      expect([...ledger.rolledBack.keys()].sort()).toEqual(["n00", "n01"]);
    }
  });

  describe("max_unavailable", () => {
    const silent = (names: string[]) => (id: string) =>
      names.includes(id) ? { silentFrom: T0 - 1 } : {};
    const failing = (names: string[]) => (id: string) =>
      names.includes(id) ? { outcome: "fail" as const } : {};
    const spec = { strategy: "all_at_once", max_unavailable: 1, auto_rollback: false } as const;

    it("lets a step proceed with up to max_unavailable silent nodes", () => {
      const { rollout } = run(create(5, spec).rollout, simFleet(5, silent(["n02"])));
      const done = expectState(rollout, "completed");
      expect(statuses(done)).toMatchObject({ n00: "verified", n02: "assigned" });
    });

    it("fails at the deadline with more silent nodes than max_unavailable", () => {
      const { rollout } = run(create(5, spec).rollout, simFleet(5, silent(["n02", "n03"])));
      expect(expectState(rollout, "failed").error.reason).toBe("deadline_exceeded");
    });

    it("tolerates max_unavailable failed nodes and fails at once beyond", () => {
      expect(run(create(5, spec).rollout, simFleet(5, failing(["n01"]))).rollout.state).toBe(
        "completed",
      );
      const { rollout, ledger } = run(
        create(5, spec).rollout,
        simFleet(5, failing(["n01", "n03"])),
      );
      const failed = expectState(rollout, "failed");
      expect(failed.error).toMatchObject({
        reason: "node_activation_failed",
        nodeIds: ["n01", "n03"],
      });
      expect(ledger.emitted("rollout.failed")[0]?.at).toBeLessThan(T0 + 30_000);
    });
  });

  it("fails on gates failing for gate_failure_seconds, not before", () => {
    const sim = simFleet(2, (id) => (id === "n00" ? { health: "unhealthy" } : {}));
    const spec = {
      strategy: "all_at_once",
      gate_failure_seconds: 30,
      auto_rollback: false,
    } as const;
    const { rollout, ledger } = run(create(2, spec).rollout, sim);
    const failed = expectState(rollout, "failed");
    expect(failed.error).toMatchObject({ reason: "health_gate_failed", nodeIds: ["n00"] });
    const failedAt = ledger.emitted("rollout.failed")[0]?.at ?? 0;
    // n00 activates after 12 s; its first heartbeat on the new bundle comes within 10 s.
    expect(failedAt).toBeGreaterThanOrEqual(T0 + 12_000 + 30_000);
    expect(failedAt).toBeLessThan(T0 + 12_000 + 10_000 + 30_000 + 10_000);
  });

  it.each([false, true])(
    "stops safely when the bundle is revoked (auto_rollback %s)",
    (autoRollback) => {
      const sim = simFleet(6, (id) => ({ activationDelayMs: id === "n03" ? 200_000 : 5000 }));
      const spec = { batch_size: 2, auto_rollback: autoRollback };
      const first = run(create(6, spec).rollout, sim, T0, T0 + 40_000);
      expect(first.rollout.state).toBe("running");
      sim.bundleRevoked = true;
      const { rollout, ledger } = run(first.rollout, sim, T0 + 40_000);
      expect(ledger.forward.size).toBe(0);
      if (autoRollback) {
        expect(rollout.state).toBe("rolled_back");
        expect(["n00", "n01", "n02"].every((id) => sim.activeOf(id) === PREV)).toBe(true);
      } else {
        const failed = expectState(rollout, "failed");
        expect(failed.error.reason).toBe("bundle_revoked");
        expect(sim.desiredOf("n03")).toBe(PREV);
        expect(sim.desiredOf("n00")).toBe(BUNDLE);
      }
      expect(sim.desiredOf("n04")).toBe(PREV);
    },
  );

  it("unassigns a rolled-back node that had no previous bundle", () => {
    const sim = simFleet(2);
    const first = run(create(2, { strategy: "all_at_once" }).rollout, sim, T0, T0 + 100);
    const r = expectState(first.rollout, "running");
    // Pretend n01 had nothing before: rewrite its recorded previous bundle.
    const entries = r.entries.map((row) =>
      row.map((e, pos) => (pos === 1 ? { ...e, prev: null } : e)),
    );
    const result = reduceRollout({ ...r, entries }, { type: "rollback", actor: "op" }, T0 + 1000);
    expect(commandsOf(result, "unassign")).toEqual([
      { type: "unassign", nodeId: "n01", bundleId: BUNDLE, restoreBundleId: null },
    ]);
    expect(commandsOf(result, "assign").map((c) => [c.nodeId, c.bundleId, c.rollback])).toEqual([
      ["n00", PREV, true],
    ]);
    expect(nodeStatusAt(result.rollout, 0, 1)).toBe("rolled_back");
    expect(expectState(result.rollout, "rolling_back").rollback.remaining).toBe(1);
  });

  it("fails with rollback_incomplete when a node never confirms its previous bundle", () => {
    const sim = simFleet(3, (id) =>
      id === "n02" ? { outcome: "fail" } : id === "n01" ? { silentFrom: T0 + 20_000 } : {},
    );
    const spec = {
      strategy: "all_at_once",
      rollback_deadline_seconds: 120,
      max_unavailable: 0,
    } as const;
    const { rollout, ledger } = run(create(3, spec).rollout, sim);
    const failed = expectState(rollout, "failed");
    expect(failed.error).toMatchObject({
      reason: "rollback_incomplete",
      nodeIds: ["n01"],
      details: { remaining: 1 },
    });
    const rollbackAt = ledger.emitted("rollout.rollback_started")[0]?.at ?? 0;
    expect(ledger.emitted("rollout.failed")[1]?.at).toBeGreaterThanOrEqual(rollbackAt + 120_000);
    expect(sim.activeOf("n00")).toBe(PREV);
  });

  it("reverts a completed rollout on request", () => {
    const sim = simFleet(4);
    const done = run(create(4, { batch_size: 2 }).rollout, sim);
    expect(done.rollout.state).toBe("completed");
    const revert = reduceRollout(done.rollout, { type: "rollback", actor: "op" }, done.now + 1000);
    sim.execute(revert.commands, done.now + 1000);
    const { rollout } = run(revert.rollout, sim, done.now + 1000);
    expect(expectState(rollout, "rolled_back").cause).toEqual({
      kind: "manual",
      actor: "op",
      from: "completed",
    });
    expect(ids(4).every((id) => sim.activeOf(id) === PREV)).toBe(true);
  });
});
