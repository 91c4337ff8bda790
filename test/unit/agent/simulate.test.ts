import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../scripts/agent/log";
import { parseDistribution, sample, seededRandom } from "../../../scripts/simulate/distribution";
import { Semaphore } from "../../../scripts/simulate/limiter";
import {
  drawMetrics,
  parseMetricsRules,
  resolveMetrics,
} from "../../../scripts/simulate/metrics-spec";
import { sampleConfig } from "../../../scripts/simulate/sample-config";
import { runSimulation, type SimulationOptions } from "../../../scripts/simulate/scenario";
import { percentile } from "../../../scripts/simulate/stats";
import { validateConfig } from "../../../src/kdl/index";
import { API_KEY, ENROLLMENT_TOKEN, FakeControlPlane, PROJECT } from "./fake-control-plane";

let cp: FakeControlPlane;

beforeEach(async () => {
  cp = await FakeControlPlane.start();
  cp.pollAfterS = 0.05;
  cp.heartbeatIntervalS = 0.1;
});

afterEach(async () => {
  await cp.close();
});

function options(overrides: Partial<SimulationOptions> = {}): SimulationOptions {
  return {
    url: cp.url,
    project: PROJECT,
    enrollmentToken: ENROLLMENT_TOKEN,
    apiKey: API_KEY,
    nodes: 20,
    behaviour: {
      pollIntervalS: parseDistribution("0.03-0.08"),
      heartbeatIntervalS: parseDistribution("0.1-0.2"),
      activationDelayMs: parseDistribution("5-20"),
      failureRate: 0,
      unhealthyRate: 0,
      metrics: [],
      download: true,
      // The fake control plane speaks HTTP only.
      push: false,
      maxBackoffMs: 500,
    },
    concurrency: 8,
    churnPerMin: 0,
    churnDowntimeS: parseDistribution("0.1"),
    auth: "key",
    labels: {},
    strategy: "rolling",
    batchPercentage: 10,
    rolloutTimeoutS: 30,
    compileTimeoutS: 10,
    requestTimeoutMs: 2_000,
    progressIntervalS: 60,
    random: seededRandom(42),
    ...overrides,
  };
}

describe("simulator against the fake control plane", () => {
  it("enrolls 20 nodes, compiles, rolls out in 10 batches to completion and reports", async () => {
    const printed: string[] = [];
    const result = await runSimulation(options(), {
      log: silentLogger,
      print: (l) => printed.push(l),
    });
    expect(result.exitCode).toBe(0);
    expect(result.enrolled).toBe(20);
    expect(result.rollout?.state).toBe("completed");
    expect(result.errors).toBe(0);
    expect(result.convergence.count).toBe(20);
    expect(result.convergence.p99Ms).not.toBeNull();

    // The control plane saw exactly these nodes, labelled with the run id, all verified on the bundle.
    const bundleId = result.bundleId ?? "";
    const nodes = [...cp.nodes.values()];
    expect(nodes).toHaveLength(20);
    expect(nodes.every((n) => n.labels.sim_run === result.runId)).toBe(true);
    expect(
      nodes.every((n) => n.reports.some((r) => r.bundleId === bundleId && r.kind === "verified")),
    ).toBe(true);
    expect(nodes.every((n) => n.heartbeats.some((h) => h.active_bundle_id === bundleId))).toBe(
      true,
    );
    const rollout = [...cp.rollouts.all.values()][0];
    expect(rollout?.batches).toHaveLength(10);
    // Each node downloaded the archive once; the sample config compiled as sent.
    expect(cp.seen(/\/download$/)).toHaveLength(20);

    const last = printed.at(-1) ?? "";
    expect(last).toBe(result.lines.at(-1));
    expect(last).toMatch(
      /^rollout [0-9a-f]{8}… completed in \d+\.\d s; convergence p50 \d+\.\d s p99 \d+\.\d s; [\d,]+ requests, 0 errors$/,
    );
    expect(last).toContain(`${result.requests.toLocaleString("en-US")} requests`);
    expect(printed.some((l) => l.includes("GET /nodes/:id/bundles/latest"))).toBe(true);
  });

  it("exits non-zero when injected activation failures fail the rollout", async () => {
    const result = await runSimulation(
      options({ behaviour: { ...options().behaviour, failureRate: 1 } }),
      {
        log: silentLogger,
        print: () => undefined,
      },
    );
    expect(result.rollout?.state).toBe("failed");
    expect(result.exitCode).toBe(1);
    expect(result.lines.at(-1)).toMatch(/^rollout [0-9a-f]{8}… failed in /);
    expect([...cp.nodes.values()].some((n) => n.reports.some((r) => r.kind === "failed"))).toBe(
      true,
    );
  });

  it("counts requests that failed after retries as errors and exits non-zero", async () => {
    cp.fail(/heartbeat$/, 400, 3);
    const result = await runSimulation(options({ apiKey: undefined, durationS: 0.5, nodes: 5 }), {
      log: silentLogger,
      print: () => undefined,
    });
    expect(result.rollout).toBeNull();
    expect(result.errors).toBe(3);
    expect(result.exitCode).toBe(1);
    expect(result.lines.at(-1)).toMatch(
      /^fleet run [0-9a-f]{8} ended after .*; [\d,]+ requests, 3 errors$/,
    );
  });

  it("reports heartbeat metrics from the per-bundle distributions", async () => {
    const rules = parseMetricsRules(["*:error_rate=0.1", "new:error_rate=7,latency=300"]);
    const result = await runSimulation(
      options({ nodes: 4, behaviour: { ...options().behaviour, metrics: rules } }),
      {
        log: silentLogger,
        print: () => undefined,
      },
    );
    expect(result.exitCode).toBe(0);
    const beats = [...cp.nodes.values()].flatMap((n) => n.heartbeats) as Array<{
      active_bundle_id: string | null;
      metrics: Record<string, number>;
    }>;
    const onNew = beats.filter((h) => h.active_bundle_id === result.bundleId);
    const before = beats.filter((h) => h.active_bundle_id === null);
    expect(onNew.length).toBeGreaterThan(0);
    expect(onNew.every((h) => h.metrics.error_rate === 7 && h.metrics.latency_p99_ms === 300)).toBe(
      true,
    );
    expect(before.every((h) => h.metrics.error_rate === 0.1)).toBe(true);
  });
});

describe("simulator building blocks", () => {
  it("samples distributions within their shape", () => {
    const random = seededRandom(1);
    const uniform = parseDistribution("2-5");
    const draws = Array.from({ length: 2_000 }, () => sample(uniform, random));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...draws)).toBeLessThan(5);
    const normal = parseDistribution("80±10");
    const values = Array.from({ length: 20_000 }, () => sample(normal, random));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(mean).toBeCloseTo(80, 0);
    expect(sd).toBeGreaterThan(9.5);
    expect(sd).toBeLessThan(10.5);
    expect(parseDistribution("300")).toEqual({ kind: "constant", value: 300 });
    expect(parseDistribution("1.5+-0.5")).toEqual({ kind: "normal", mean: 1.5, sd: 0.5 });
    expect(() => parseDistribution("fast")).toThrow();
  });

  it("resolves metric rules by specificity", () => {
    const id = "ab12".padEnd(64, "0");
    const rules = parseMetricsRules([
      "error_rate=1",
      "new:error_rate=2",
      `ab12:latency=90`,
      "none:cpu=5",
    ]);
    expect(resolveMetrics(rules, id, id)).toMatchObject({
      error_rate: { value: 2 },
      latency: { value: 90 },
    });
    expect(resolveMetrics(rules, id, null).error_rate).toEqual({ kind: "constant", value: 1 });
    expect(resolveMetrics(rules, null, id).cpu).toEqual({ kind: "constant", value: 5 });
    const m = drawMetrics(
      resolveMetrics(parseMetricsRules(["requests=200,error_rate=150"]), null, null),
      Math.random,
    );
    expect(m).toMatchObject({ request_count: 200, error_rate: 100, error_count: 200 });
  });

  it("bounds concurrency with the semaphore", async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        semaphore.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(semaphore.maxQueued).toBe(17);
  });

  it("computes nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([], 0.5)).toBeNull();
  });

  it("compiles a sample config the embedded validator accepts", () => {
    const result = validateConfig({
      entry: "zentinel.kdl",
      files: { "zentinel.kdl": sampleConfig("run1") },
    });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

describe("simulator when the control plane refuses the rollout", () => {
  it("says the rollout did not start and exits non-zero", async () => {
    cp.fail(/^POST .*\/rollouts$/, 404);
    const result = await runSimulation(options({ nodes: 3 }), {
      log: silentLogger,
      print: () => undefined,
    });
    expect(result.exitCode).toBe(1);
    expect(result.rollout).toBeNull();
    expect(result.lines).toContainEqual(
      expect.stringMatching(/^problem: POST \/projects\/:project\/rollouts: HTTP 404/),
    );
    expect(result.lines.at(-1)).toMatch(/^rollout not started after \d+\.\d s; .*, 1 errors$/);
  });
});
