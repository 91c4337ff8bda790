import { describe, expect, it } from "vitest";
import type { CanaryAnalysisInput, CohortSamples, GateContext } from "../../../src/domain/rollout";
import {
  analyzeCanary,
  collectSamples,
  DEFAULT_HEALTH_GATES,
  evaluateNodeGates,
  NO_SAMPLES,
} from "../../../src/domain/rollout";
import { BUNDLE, obs, PREV } from "./helpers";

const NOW = 1_000_000_000;

describe("health gates", () => {
  const ctx: GateContext = {
    gates: { ...DEFAULT_HEALTH_GATES, max_error_rate: 2, max_latency_ms: 200 },
    bundleId: BUNDLE,
    now: NOW,
    maxAgeMs: 30_000,
  };

  it("passes a fresh healthy heartbeat of the new bundle", () => {
    expect(evaluateNodeGates(obs("n", BUNDLE, NOW), ctx)).toEqual({ kind: "pass" });
  });

  it("uses only heartbeats younger than three intervals", () => {
    expect(
      evaluateNodeGates(obs("n", BUNDLE, NOW, { lastHeartbeatAt: NOW - 29_999 }), ctx).kind,
    ).toBe("pass");
    expect(
      evaluateNodeGates(obs("n", BUNDLE, NOW, { lastHeartbeatAt: NOW - 30_000 }), ctx),
    ).toEqual({
      kind: "no_data",
      reasons: ["no fresh heartbeat"],
    });
    expect(evaluateNodeGates(obs("n", BUNDLE, NOW, { lastHeartbeatAt: null }), ctx).kind).toBe(
      "no_data",
    );
    expect(evaluateNodeGates(undefined, ctx).kind).toBe("no_data");
  });

  it("ignores heartbeats that describe the previous bundle", () => {
    const unhealthyOld = obs("n", PREV, NOW, { health: "unhealthy" });
    expect(evaluateNodeGates(unhealthyOld, ctx).kind).toBe("no_data");
  });

  it("fails on every exceeded threshold and on a non-healthy status", () => {
    const bad = obs("n", BUNDLE, NOW, {
      health: "degraded",
      metrics: { error_rate: 2.5, latency_p99_ms: 250 },
    });
    expect(evaluateNodeGates(bad, ctx)).toEqual({
      kind: "fail",
      reasons: ["health is degraded", "error_rate 2.5% > 2%", "latency_p99_ms 250 ms > 200 ms"],
    });
    const atThreshold = obs("n", BUNDLE, NOW, { metrics: { error_rate: 2, latency_p99_ms: 200 } });
    expect(evaluateNodeGates(atThreshold, ctx).kind).toBe("pass");
  });

  it("treats a missing gated metric as no data, never as zero", () => {
    const missing = obs("n", BUNDLE, NOW, { metrics: { error_rate: 1 } });
    expect(evaluateNodeGates(missing, ctx)).toEqual({
      kind: "no_data",
      reasons: ["latency_p99_ms not reported"],
    });
    const failing = obs("n", BUNDLE, NOW, { metrics: { error_rate: 9 } });
    expect(evaluateNodeGates(failing, ctx).kind).toBe("fail");
    const ungated = { ...ctx, gates: DEFAULT_HEALTH_GATES };
    expect(evaluateNodeGates(obs("n", BUNDLE, NOW, { metrics: null }), ungated).kind).toBe("pass");
  });
});

function cohort(requests: number, errors: number, latencies: readonly number[]): CohortSamples {
  return { requests, errors, latencies };
}

/** `n` latencies spread evenly around `center` (interleaving two such cohorts gives p ≈ ½). */
function spread(n: number, center: number, offset = 0): number[] {
  return Array.from({ length: n }, (_, i) => center + ((i * 7 + offset) % 20) - 10);
}

const BASE: Omit<CanaryAnalysisInput, "canary" | "baseline" | "now"> = {
  confidence: 0.95,
  minSamples: { requests: 500, latency: 10 },
  startedAt: 0,
  windowSeconds: 300,
  maxAnalysisSeconds: 900,
};

describe("analyzeCanary", () => {
  const healthy = cohort(5000, 25, spread(30, 100));
  const baseline = cohort(5000, 25, spread(30, 100, 3));

  it("holds until the analysis window has elapsed", () => {
    const result = analyzeCanary({ ...BASE, canary: healthy, baseline, now: 299_000 });
    expect(result.verdict).toBe("hold");
    expect(analyzeCanary({ ...BASE, canary: healthy, baseline, now: 300_000 }).verdict).toBe(
      "pass",
    );
  });

  it("passes when the canary is no worse, and reports its numbers", () => {
    const result = analyzeCanary({ ...BASE, canary: healthy, baseline, now: 300_000 });
    expect(result.verdict).toBe("pass");
    expect(result.numbers.counts).toEqual({
      canary_requests: 5000,
      baseline_requests: 5000,
      canary_latency_samples: 30,
      baseline_latency_samples: 30,
    });
    expect(result.numbers.means.canary_error_rate).toBeCloseTo(0.5, 10);
    expect(result.numbers.p_values.error_rate).toBeGreaterThan(0.4);
    expect(result.numbers.p_values.latency).toBeGreaterThan(0.05);
  });

  it("fails on a significantly higher error proportion", () => {
    const worse = cohort(5000, 60, healthy.latencies);
    const result = analyzeCanary({ ...BASE, canary: worse, baseline, now: 300_000 });
    expect(result.verdict).toBe("fail");
    expect(result.numbers.p_values.error_rate).toBeLessThan(0.001);
    expect(result.reasons[0]).toMatch(/canary error rate 1\.2% > baseline 0\.5%/);
  });

  it("fails on stochastically higher latency", () => {
    const slow = cohort(5000, 25, spread(30, 130));
    const result = analyzeCanary({ ...BASE, canary: slow, baseline, now: 300_000 });
    expect(result.verdict).toBe("fail");
    expect(result.numbers.p_values.latency).toBeLessThan(0.05);
  });

  it("is one-sided: a better canary passes", () => {
    const better = cohort(5000, 2, spread(30, 60));
    expect(analyzeCanary({ ...BASE, canary: better, baseline, now: 300_000 }).verdict).toBe("pass");
  });

  it("uses the confidence level (one-sided p ≈ 0.021)", () => {
    const input = {
      ...BASE,
      minSamples: { requests: 50, latency: 10 },
      canary: cohort(50, 25, healthy.latencies),
      baseline: cohort(50, 15, baseline.latencies),
      now: 300_000,
    };
    expect(analyzeCanary({ ...input, confidence: 0.95 }).verdict).toBe("fail");
    expect(analyzeCanary({ ...input, confidence: 0.99 }).verdict).toBe("pass");
  });

  it("holds without enough data and fails at the maximum analysis time, never passes", () => {
    const empty = { ...BASE, canary: NO_SAMPLES, baseline };
    expect(analyzeCanary({ ...empty, now: 600_000 }).verdict).toBe("hold");
    const end = analyzeCanary({ ...empty, now: 900_000 });
    expect(end.verdict).toBe("fail");
    expect(end.reasons[0]).toMatch(/no verdict within 900 s/);
    // Latency data alone is not enough either.
    const latencyOnly = { ...BASE, canary: cohort(0, 0, healthy.latencies), baseline };
    expect(analyzeCanary({ ...latencyOnly, now: 899_999 }).verdict).toBe("hold");
    expect(analyzeCanary({ ...latencyOnly, now: 900_000 }).verdict).toBe("fail");
  });
});

describe("collectSamples", () => {
  const progress = {
    startedAt: NOW,
    sampledUntil: NOW,
    canary: NO_SAMPLES,
    baseline: NO_SAMPLES,
    last: null,
  };
  const metrics = { request_count: 100, error_rate: 3, latency_p99_ms: 80 };
  const ctx = (now: number) => ({ bundleId: BUNDLE, now, maxAgeMs: 30_000 });

  it("counts each heartbeat once, by cohort and bundle", () => {
    const canary = [obs("c1", BUNDLE, NOW + 5000, { metrics, lastHeartbeatAt: NOW + 4000 })];
    const baseline = [
      obs("b1", PREV, NOW + 5000, {
        metrics: { ...metrics, error_count: 1 },
        lastHeartbeatAt: NOW + 2000,
      }),
      obs("b2", BUNDLE, NOW + 5000, { metrics, lastHeartbeatAt: NOW + 2000 }),
    ];
    const first = collectSamples(progress, canary, baseline, ctx(NOW + 5000));
    expect(first.canary).toEqual({ requests: 100, errors: 3, latencies: [80] });
    expect(first.baseline).toEqual({ requests: 100, errors: 1, latencies: [80] });
    // Same heartbeats on the next tick: nothing new.
    const second = collectSamples(first, canary, baseline, ctx(NOW + 10_000));
    expect(second.canary).toEqual(first.canary);
    expect(second.baseline).toEqual(first.baseline);
    expect(second.sampledUntil).toBe(NOW + 10_000);
  });

  it("skips heartbeats from before the analysis and stale ones", () => {
    const before = [obs("c1", BUNDLE, NOW, { metrics, lastHeartbeatAt: NOW - 1 })];
    expect(collectSamples(progress, before, [], ctx(NOW + 1000)).canary).toEqual(NO_SAMPLES);
    const late = { ...progress, sampledUntil: NOW - 60_000 };
    const stale = [obs("c1", BUNDLE, NOW, { metrics, lastHeartbeatAt: NOW - 40_000 })];
    expect(collectSamples(late, stale, [], ctx(NOW)).canary).toEqual(NO_SAMPLES);
  });
});
