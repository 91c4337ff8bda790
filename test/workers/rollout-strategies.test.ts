import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { call, expectEnvelope } from "./harness";
import {
  type Behaviour,
  createFleet,
  createRolloutOk,
  driveUntil,
  type Fleet,
  getRollout,
  type Metrics,
  newBundle,
  rolloutNodeRows,
  round,
  startClock,
} from "./rollout-sim";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

/**
 * Metrics that vary from heartbeat to heartbeat (so rank tests see no artificial ties):
 * `errorsPerThousand` errors per 1000 requests and a p99 around `latencyMs`.
 */
function varyingMetrics(seed: number, errorsPerThousand: number, latencyMs: number): () => Metrics {
  let beat = seed;
  return () => {
    beat += 1;
    return {
      request_count: 1000,
      error_count: errorsPerThousand,
      error_rate: errorsPerThousand / 10,
      latency_p99_ms: latencyMs + ((beat * 7 + seed * 3) % 11),
    };
  };
}

/** Baseline-like metrics on the base bundle; `canary` metrics once the node runs `bundleId`. */
function withCanaryMetrics(
  fleet: Fleet,
  bundleId: string,
  canary: { errors: number; latency: number },
) {
  fleet.nodes.forEach((node, i) => {
    const base = varyingMetrics(i, 1, 40);
    const next = varyingMetrics(i + 100, canary.errors, canary.latency);
    const behaviour: Behaviour = {
      ...node.behaviour,
      metrics: (active) => (active === bundleId ? next() : base()),
    };
    node.behaviour = behaviour;
  });
}

const CANARY = {
  strategy: "canary",
  canary: {
    steps: [25, 100],
    analysis_window_seconds: 30,
    confidence: 0.95,
    max_analysis_seconds: 120,
    min_request_count: 1000,
    min_latency_samples: 10,
    auto_promote: false,
  },
};

describe("canary", () => {
  it("passes a healthy canary on the statistics, waits for promote, then completes", async () => {
    const fleet = await createFleet(20);
    const next = await newBundle(fleet);
    withCanaryMetrics(fleet, next.bundleId, { errors: 1, latency: 40 });
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      ...CANARY,
    });
    expect(r.step_count).toBe(2);
    const path = `/api/v1/projects/${fleet.tenant.slug}/rollouts/${r.id}`;
    // Promoting before the cohort is even deployed is refused.
    expectEnvelope(
      await call("POST", `${path}/promote`, { key: fleet.tenant.adminKey }),
      409,
      "CONFLICT",
    );
    let view = await getRollout(fleet.tenant, r.id);
    let interim: { verdict: string } | null = null;
    for (let i = 0; i < 30 && view.steps[0]?.state !== "awaiting_promotion"; i += 1) {
      await round(fleet, r.id);
      view = await getRollout(fleet.tenant, r.id);
      if (view.steps[0]?.state === "analysing" && view.steps[0].analysis) {
        interim = view.steps[0].analysis;
      }
    }
    // While collecting, the step row shows the interim verdict.
    expect(interim).toMatchObject({ verdict: "hold" });
    expect(view.state).toBe("running");
    const step = view.steps[0];
    expect(step.state).toBe("awaiting_promotion");
    expect(step.analysis).toMatchObject({ verdict: "pass" });
    expect(step.analysis.numbers.counts.canary_requests).toBeGreaterThanOrEqual(1000);
    expect(step.analysis.numbers.counts.canary_latency_samples).toBeGreaterThanOrEqual(10);
    expect(step.analysis.numbers.p_values.error_rate).toBeGreaterThan(0.05);
    // Only the canary cohort runs the new bundle meanwhile.
    expect(fleet.nodes.filter((n) => n.active === next.bundleId)).toHaveLength(5);
    const promoted = await call("POST", `${path}/promote`, { key: fleet.tenant.adminKey });
    expect(promoted.status, promoted.text).toBe(200);
    const done = await driveUntil(fleet, r.id, ["completed", "failed", "rolled_back"]);
    expect(done.state).toBe("completed");
    expect(fleet.nodes.every((n) => n.active === next.bundleId)).toBe(true);
  });

  it("rolls back a canary whose error rate is significantly worse than the baseline", async () => {
    const fleet = await createFleet(20);
    const next = await newBundle(fleet);
    withCanaryMetrics(fleet, next.bundleId, { errors: 60, latency: 90 });
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      ...CANARY,
    });
    const done = await driveUntil(fleet, r.id, ["rolled_back", "failed", "completed"]);
    expect(done.state).toBe("rolled_back");
    expect(done.error).toMatchObject({ reason: "canary_analysis_failed", step_index: 0 });
    expect(done.error.details.p_values.error_rate).toBeLessThan(0.05);
    expect(done.error.details.p_values.latency).toBeLessThan(0.05);
    expect(done.steps[0]).toMatchObject({ state: "failed" });
    expect(done.steps[0].analysis).toMatchObject({ verdict: "fail" });
    expect(fleet.nodes.every((n) => n.active === fleet.base.bundleId)).toBe(true);
    const rows = await rolloutNodeRows(r.id);
    expect(rows.filter((row) => row.state === "rolled_back")).toHaveLength(5);
    expect(rows.filter((row) => row.state === "skipped")).toHaveLength(15);
  });
});

describe("blue-green", () => {
  const BLUE_GREEN = {
    strategy: "blue_green",
    bake_seconds: 10,
    blue_green: { green_percentage: 50 },
  };

  it("bakes the green half, waits for promote, then moves the rest", async () => {
    const fleet = await createFleet(6);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      ...BLUE_GREEN,
    });
    expect(r.step_count).toBe(2);
    for (let i = 0; i < 10; i += 1) {
      await round(fleet, r.id);
    }
    const waiting = await getRollout(fleet.tenant, r.id);
    expect(waiting.steps.map((s: { state: string }) => s.state)).toEqual(["awaiting_promotion"]);
    expect(fleet.nodes.filter((n) => n.active === next.bundleId)).toHaveLength(3);
    const promoted = await call(
      "POST",
      `/api/v1/projects/${fleet.tenant.slug}/rollouts/${r.id}/promote`,
      {
        key: fleet.tenant.adminKey,
      },
    );
    expect(promoted.status, promoted.text).toBe(200);
    const done = await driveUntil(fleet, r.id, ["completed", "failed"]);
    expect(done.state).toBe("completed");
    expect(fleet.nodes.every((n) => n.active === next.bundleId)).toBe(true);
    const audit = await call(
      "GET",
      `/api/v1/projects/${fleet.tenant.slug}/audit-logs?action=rollout.promoted`,
      {
        key: fleet.tenant.adminKey,
      },
    );
    expect(audit.body.items).toHaveLength(1);
  });

  it("a rollback while green waits restores green and never touches blue", async () => {
    const fleet = await createFleet(6);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      ...BLUE_GREEN,
    });
    for (let i = 0; i < 10; i += 1) {
      await round(fleet, r.id);
    }
    expect((await getRollout(fleet.tenant, r.id)).steps[0].state).toBe("awaiting_promotion");
    const res = await call(
      "POST",
      `/api/v1/projects/${fleet.tenant.slug}/rollouts/${r.id}/rollback`,
      {
        key: fleet.tenant.adminKey,
      },
    );
    expect(res.status, res.text).toBe(200);
    const done = await driveUntil(fleet, r.id, ["rolled_back", "failed"]);
    expect(done.state).toBe("rolled_back");
    expect(fleet.nodes.every((n) => n.active === fleet.base.bundleId)).toBe(true);
    const rows = await rolloutNodeRows(r.id);
    const green = rows.filter((row) => row.step_index === 0);
    const blue = rows.filter((row) => row.step_index === 1);
    expect(green.map((row) => row.state)).toEqual(["rolled_back", "rolled_back", "rolled_back"]);
    expect(blue.map((row) => row.state)).toEqual(["skipped", "skipped", "skipped"]);
    for (const node of fleet.nodes.filter((n) => blue.some((row) => row.node_id === n.id))) {
      expect(node.offers.map((o) => o.bundle_id)).toEqual([fleet.base.bundleId]);
    }
  });
});
