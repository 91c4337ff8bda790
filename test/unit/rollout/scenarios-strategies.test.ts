import { describe, expect, it } from "vitest";
import type {
  CanaryAnalysis,
  Rollout,
  RolloutSpecInput,
  StepSummary,
} from "../../../src/domain/rollout";
import { reduceRollout } from "../../../src/domain/rollout";
import type { FleetSimulator, NodeBehaviour } from "../../../src/domain/rollout/testing/simulator";
import { driveRollout, HEALTHY_BEHAVIOUR } from "../../../src/domain/rollout/testing/simulator";
import { BUNDLE, create, expectState, ids, PREV, simFleet, T0 } from "./helpers";
import { AssignmentLedger } from "./invariants";

const HOUR = 3_600_000;

function run(r: Rollout, sim: FleetSimulator, from = T0, until = from + HOUR) {
  const ledger = new AssignmentLedger();
  const end = driveRollout(r, sim, from, until, ledger.check);
  return { ...end, ledger };
}

/** Persisted step rows, in order. */
function stepRows(ledger: AssignmentLedger): Array<StepSummary & { at: number }> {
  return ledger.steps.flatMap((s) =>
    s.result.commands.flatMap((c) => (c.type === "persist_step" ? [{ ...c.step, at: s.at }] : [])),
  );
}

const CANARY: RolloutSpecInput = {
  strategy: "canary",
  progress_deadline_seconds: 120,
  canary: {
    steps: [10, 50, 100],
    analysis_window_seconds: 60,
    max_analysis_seconds: 300,
    min_request_count: 500,
    min_latency_samples: 10,
  },
};

/** Canary cohort behaviour: only the metrics on the new bundle differ. */
function onNewBundle(metrics: Partial<NodeBehaviour["metrics"]>): Partial<NodeBehaviour> {
  return { metrics: { ...HEALTHY_BEHAVIOUR.metrics, ...metrics } };
}

describe("canary", () => {
  it("promotes cohort by cohort when the statistics find no regression", () => {
    const sim = simFleet(40);
    const { rollout, ledger } = run(create(40, CANARY).rollout, sim);
    expect(rollout.state).toBe("completed");
    expect(rollout.plan.map((s) => s.length)).toEqual([4, 16, 20]);
    const verdicts = ledger
      .emitted("rollout.canary_analysis")
      .map((e) => (e.payload as { verdict: string }).verdict);
    expect(verdicts).toEqual(["pass", "pass"]);
    const analysed = stepRows(ledger).filter((s) => s.state === "completed" && s.analysis !== null);
    expect(analysed.map((s) => s.index)).toEqual([0, 1]);
    for (const row of analysed) {
      const analysis = row.analysis as CanaryAnalysis;
      expect(analysis.numbers.p_values.error_rate).not.toBeNull();
      expect(analysis.numbers.p_values.latency).not.toBeNull();
      expect(analysis.numbers.counts.baseline_latency_samples).toBeGreaterThanOrEqual(10);
    }
    expect(ids(40).every((id) => sim.activeOf(id) === BUNDLE)).toBe(true);
  });

  it.each([
    ["error rate", { error_rate: 2 }, "error_rate"],
    ["latency", { latency_p99_ms: 80 }, "latency"],
  ] as const)("rolls back when the canary's %s is significantly worse", (_, metrics, pKey) => {
    const canaryIds = new Set(ids(4));
    const sim = simFleet(40, (id) => (canaryIds.has(id) ? onNewBundle(metrics) : {}));
    const { rollout, ledger } = run(create(40, CANARY).rollout, sim);
    const done = expectState(rollout, "rolled_back");
    expect(done.cause).toMatchObject({
      kind: "automatic",
      error: { reason: "canary_analysis_failed", stepIndex: 0 },
    });
    const cause = done.cause.kind === "automatic" ? done.cause.error : null;
    const pValues = cause?.details.p_values as Record<string, number>;
    expect(pValues[pKey]).toBeLessThan(0.05);
    expect([...ledger.rolledBack.keys()].sort()).toEqual([...canaryIds]);
    expect(ledger.forward.size).toBe(4);
    expect(ids(40).every((id) => sim.activeOf(id) === PREV)).toBe(true);
  });

  it("holds without data, then fails at the maximum analysis time (never passes)", () => {
    const noCounts = { ...HEALTHY_BEHAVIOUR.metrics, request_count: null };
    const sim = simFleet(40, () => ({ metrics: noCounts, baselineMetrics: noCounts }));
    const spec = { ...CANARY, auto_rollback: false };
    const { rollout, ledger } = run(create(40, spec).rollout, sim);
    const failed = expectState(rollout, "failed");
    expect(failed.error.reason).toBe("canary_analysis_failed");
    expect(failed.error.message).toMatch(/no verdict within 300 s/);
    const analysingAt = stepRows(ledger).find((s) => s.state === "analysing")?.at ?? 0;
    const failedAt = ledger.emitted("rollout.failed")[0]?.at ?? 0;
    expect(failedAt).toBeGreaterThanOrEqual(analysingAt + 300_000);
    expect(failedAt).toBeLessThan(analysingAt + 305_001);
    expect(
      ledger
        .emitted("rollout.canary_analysis")
        .map((e) => (e.payload as { verdict: string }).verdict),
    ).toEqual(["fail"]);
    expect(ledger.emitted("rollout.step_completed")).toEqual([]);
  });

  it("waits for a manual promote when auto_promote is off", () => {
    const sim = simFleet(20);
    const spec = { ...CANARY, canary: { ...CANARY.canary, auto_promote: false } };
    const first = run(create(20, spec).rollout, sim, T0, T0 + 30 * 60_000);
    const waiting = expectState(first.rollout, "running");
    expect(waiting.step).toMatchObject({ phase: "awaiting_promotion", index: 0 });
    expect(waiting.step.phase === "awaiting_promotion" && waiting.step.analysis?.verdict).toBe(
      "pass",
    );
    const promoted = reduceRollout(waiting, { type: "promote", actor: "op" }, first.now);
    expect(expectState(promoted.rollout, "running").step).toEqual({ phase: "starting", index: 1 });
  });
});

describe("blue-green", () => {
  const BG: RolloutSpecInput = { strategy: "blue_green", bake_seconds: 60 };

  it("bakes the green cohort, waits for promote, then moves the rest", () => {
    const sim = simFleet(6);
    const first = run(create(6, BG).rollout, sim, T0, T0 + 40_000);
    const baking = expectState(first.rollout, "running");
    expect(baking.step.phase).toBe("baking");
    const early = reduceRollout(baking, { type: "promote", actor: "op" }, first.now);
    expect(early.outcome).toMatchObject({ kind: "refused", code: "invalid_state" });
    const waited = run(baking, sim, first.now, T0 + 2 * HOUR);
    const waiting = expectState(waited.rollout, "running");
    expect(waiting.step).toMatchObject({ phase: "awaiting_promotion", index: 0 });
    expect([...waited.ledger.forward.keys()]).toEqual([]);
    expect(["n03", "n04", "n05"].map((id) => sim.desiredOf(id))).toEqual([PREV, PREV, PREV]);
    const promoted = reduceRollout(waiting, { type: "promote", actor: "op" }, waited.now);
    expect(promoted.wakeAt).toBe(waited.now);
    const { rollout, ledger } = run(promoted.rollout, sim, waited.now);
    expect(rollout.state).toBe("completed");
    expect([...ledger.forward.keys()].sort()).toEqual(["n03", "n04", "n05"]);
    expect(ids(6).every((id) => sim.activeOf(id) === BUNDLE)).toBe(true);
  });

  it("promotes automatically after the bake with auto_promote", () => {
    const sim = simFleet(6);
    const spec = { ...BG, blue_green: { auto_promote: true } };
    const { rollout, ledger } = run(create(6, spec).rollout, sim);
    expect(rollout.state).toBe("completed");
    const promotedAt = ledger.emitted("rollout.promoted")[0];
    expect(promotedAt?.payload).toMatchObject({ actor: "system", automatic: true });
    const baking = stepRows(ledger).find((s) => s.state === "baking" && s.index === 0);
    expect(promotedAt?.at).toBeGreaterThanOrEqual((baking?.at ?? 0) + 60_000);
  });

  it("rolls green back to its previous bundle, never touching blue", () => {
    const sim = simFleet(6);
    const first = run(create(6, BG).rollout, sim, T0, T0 + 10 * 60_000);
    expect(first.rollout.state).toBe("running");
    const rollback = reduceRollout(first.rollout, { type: "rollback", actor: "op" }, first.now);
    sim.execute(rollback.commands, first.now);
    const assigns = rollback.commands.flatMap((c) =>
      c.type === "assign" ? [[c.nodeId, c.bundleId, c.rollback]] : [],
    );
    expect(assigns).toEqual([
      ["n00", PREV, true],
      ["n01", PREV, true],
      ["n02", PREV, true],
    ]);
    const { rollout } = run(rollback.rollout, sim, first.now);
    expect(rollout.state).toBe("rolled_back");
    expect(ids(6).every((id) => sim.activeOf(id) === PREV)).toBe(true);
  });
});
