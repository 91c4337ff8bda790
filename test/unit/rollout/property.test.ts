import fc from "fast-check";
import { expect, it } from "vitest";
import type { Rollout, RolloutEvent, RolloutSpecInput } from "../../../src/domain/rollout";
import {
  observationScope,
  reduceRollout,
  resolveRolloutSpec,
  TERMINAL_ROLLOUT_STATES,
  TICK_INTERVAL_MS,
} from "../../../src/domain/rollout";
import type { NodeBehaviour } from "../../../src/domain/rollout/testing/simulator";
import { HEALTHY_BEHAVIOUR } from "../../../src/domain/rollout/testing/simulator";
import { create, simFleet, T0 } from "./helpers";
import { AssignmentLedger } from "./invariants";

/** Any behaviour: slow, failing, hanging, going silent, unhealthy, noisy metrics. */
const anyBehaviourArb: fc.Arbitrary<Partial<NodeBehaviour>> = fc.record({
  activationDelayMs: fc.integer({ min: 0, max: 400_000 }),
  outcome: fc.constantFrom("activate", "activate", "fail", "hang"),
  silentFrom: fc.option(fc.integer({ min: T0 - 1, max: T0 + 900_000 }), { freq: 2 }),
  health: fc.constantFrom("healthy", "healthy", "degraded", "unhealthy"),
  reports: fc.boolean(),
  metrics: fc.record({
    error_rate: fc.double({ min: 0, max: 8, noNaN: true }),
    latency_p99_ms: fc.integer({ min: 20, max: 300 }),
    cpu_percent: fc.integer({ min: 5, max: 100 }),
    memory_percent: fc.integer({ min: 5, max: 100 }),
    request_count: fc.option(fc.integer({ min: 50, max: 1000 }), { freq: 5 }),
  }),
});

/** A well-behaved node that takes its time. */
const goodBehaviourArb: fc.Arbitrary<Partial<NodeBehaviour>> = fc.record({
  activationDelayMs: fc.integer({ min: 0, max: 60_000 }),
  reports: fc.boolean(),
});

/** Mostly good nodes (completions about as common as failures), or a hostile fleet. */
const FLEETS = [
  [
    "mostly healthy fleets",
    fc.oneof(
      { weight: 12, arbitrary: goodBehaviourArb },
      { weight: 1, arbitrary: anyBehaviourArb },
    ),
  ],
  ["hostile fleets", anyBehaviourArb],
] as const;

const specArb: fc.Arbitrary<RolloutSpecInput> = fc
  .record({
    strategy: fc.constantFrom("rolling", "all_at_once", "canary", "blue_green"),
    batch_size: fc.integer({ min: 1, max: 6 }),
    max_unavailable: fc.integer({ min: 0, max: 2 }),
    progress_deadline_seconds: fc.integer({ min: 30, max: 300 }),
    bake_seconds: fc.integer({ min: 0, max: 90 }),
    gate_failure_seconds: fc.integer({ min: 0, max: 90 }),
    auto_rollback: fc.boolean(),
    rollback_deadline_seconds: fc.integer({ min: 30, max: 300 }),
    max_error_rate: fc.option(fc.constant(5)),
    max_cpu_percent: fc.option(fc.constant(90)),
    window: fc.integer({ min: 10, max: 120 }),
    extra: fc.integer({ min: 0, max: 200 }),
  })
  .map((s) => ({
    strategy: s.strategy,
    batch_size: s.batch_size,
    max_unavailable: s.max_unavailable,
    progress_deadline_seconds: s.progress_deadline_seconds,
    bake_seconds: s.bake_seconds,
    gate_failure_seconds: s.gate_failure_seconds,
    auto_rollback: s.auto_rollback,
    rollback_deadline_seconds: s.rollback_deadline_seconds,
    health_gates: { max_error_rate: s.max_error_rate, max_cpu_percent: s.max_cpu_percent },
    canary: {
      steps: [10, 40, 100],
      analysis_window_seconds: s.window,
      max_analysis_seconds: s.window + s.extra,
      min_request_count: 200,
      min_latency_samples: 5,
    },
    blue_green: { auto_promote: true },
  }));

const operatorArb = fc.option(
  fc.record({
    type: fc.constantFrom("cancel", "rollback"),
    atMs: fc.integer({ min: 0, max: 1_200_000 }),
  }),
  { freq: 3 },
);

/**
 * Upper bound on a rollout's duration from its spec: every step may use its whole progress
 * deadline, bake and (canary) analysis time, plus one tick of lag; then a rollback may use its
 * whole deadline.
 */
function durationBoundMs(r: Rollout): number {
  const s = r.spec;
  const analysis = s.strategy === "canary" ? s.canary.max_analysis_seconds : 0;
  const perStep =
    (s.progress_deadline_seconds + s.bake_seconds + analysis) * 1000 + 2 * TICK_INTERVAL_MS;
  return r.plan.length * perStep + s.rollback_deadline_seconds * 1000 + 2 * TICK_INTERVAL_MS;
}

it.each(FLEETS)(
  "%s always end in a terminal state within the spec's bound, never double-assigning",
  (_, behaviourArb) => {
    fc.assert(
      fc.property(
        fc.array(behaviourArb, { minLength: 1, maxLength: 25 }),
        specArb,
        operatorArb,
        (behaviours, spec, operator) => {
          const n = behaviours.length;
          const sim = simFleet(n, (_, i) => {
            const metrics = { ...HEALTHY_BEHAVIOUR.metrics, ...behaviours[i]?.metrics };
            const baselineMetrics = {
              ...HEALTHY_BEHAVIOUR.baselineMetrics,
              request_count: metrics.request_count,
            };
            return { ...behaviours[i], metrics, baselineMetrics };
          });
          let rollout = create(n, spec).rollout;
          const bound = T0 + durationBoundMs(rollout);
          const ledger = new AssignmentLedger();
          let now = T0;
          let operatorDone = operator === null;
          const reduce = (event: RolloutEvent): number | null => {
            const result = reduceRollout(rollout, event, now);
            if (event.type === "tick" || event.type === "node_report") {
              expect(result.outcome.kind).not.toBe("refused");
            }
            sim.execute(result.commands, now);
            ledger.check({ at: now, event, result });
            rollout = result.rollout;
            return result.wakeAt;
          };
          for (;;) {
            expect(now).toBeLessThanOrEqual(bound);
            sim.advance(now);
            for (const report of sim.drainReports()) {
              reduce({ type: "node_report", report });
            }
            if (!operatorDone && operator && now >= T0 + operator.atMs) {
              operatorDone = true;
              if (rollout.state === "running") {
                reduce({ type: operator.type, actor: "op" });
              }
            }
            const wakeAt = reduce({
              type: "tick",
              observations: sim.observations(observationScope(rollout), now),
            });
            if (wakeAt === null) {
              break;
            }
            now = Math.max(wakeAt, now + 1);
          }
          expect(TERMINAL_ROLLOUT_STATES as readonly string[]).toContain(rollout.state);
          expect(rollout.counts.pending).toBe(0);
          if (rollout.state === "rolled_back") {
            // Every node that was given the bundle was given something back.
            for (const nodeId of ledger.forward.keys()) {
              expect(ledger.rolledBack.has(nodeId)).toBe(true);
            }
          }
          if (rollout.state === "completed") {
            const s = resolveRolloutSpec(spec);
            const verified = rollout.counts.verified;
            expect(verified).toBeGreaterThanOrEqual(
              rollout.plan.reduce(
                (sum, step) => sum + Math.max(1, step.length - s.max_unavailable),
                0,
              ),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  },
);
