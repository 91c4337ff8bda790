import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Agent } from "../../../scripts/agent/agent";
import { DEFAULT_PROM_NAMES, parsePrometheusText } from "../../../scripts/agent/prom";
import {
  DEFAULT_TELEMETRY_NAMES,
  serviceSnapshot,
  type TelemetryMetricNames,
  telemetryDeltas,
} from "../../../scripts/agent/telemetry-deltas";
import { FakeControlPlane } from "./fake-control-plane";
import { memoryLogger, tempDir, testAgentConfig } from "./helpers";

const NAMES: TelemetryMetricNames = { ...DEFAULT_PROM_NAMES, ...DEFAULT_TELEMETRY_NAMES };
const LES = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];

/** Exposition text: per route, status → count, cumulative histogram counts (12 values), sum (s). */
function scrape(
  routes: Record<string, { status: Record<string, number>; hist: number[]; sum: number }>,
  waf: Array<[rule: string, action: string, count: number]> = [],
): string {
  const lines = ["# TYPE zentinel_requests_total counter"];
  for (const [route, r] of Object.entries(routes)) {
    for (const [status, n] of Object.entries(r.status)) {
      lines.push(`zentinel_requests_total{route="${route}",status="${status}"} ${n}`);
    }
    LES.forEach((le, i) => {
      lines.push(
        `zentinel_request_duration_seconds_bucket{route="${route}",le="${le}"} ${r.hist[i]}`,
      );
    });
    lines.push(`zentinel_request_duration_seconds_sum{route="${route}"} ${r.sum}`);
  }
  for (const [rule, action, n] of waf) {
    lines.push(`zentinel_waf_decisions_total{rule_id="${rule}",action="${action}"} ${n}`);
  }
  return `${lines.join("\n")}\n`;
}

const cum = (counts: number[]) =>
  counts.map((_, i) => counts.slice(0, i + 1).reduce((a, b) => a + b, 0));

const S0 = scrape(
  {
    api: {
      status: { "200": 100, "404": 10, "503": 2 },
      hist: cum([50, 30, 20, 10, 2, 0, 0, 0, 0, 0, 0, 0]),
      sum: 1.2,
    },
  },
  [["942100", "block", 5]],
);
// +60 × 200, +5 × 404, +3 × 503; a new route "web"; WAF +2 blocks, +4 challenges.
const S1 = scrape(
  {
    api: {
      status: { "200": 160, "404": 15, "503": 5 },
      hist: cum([70, 50, 35, 15, 6, 4, 0, 0, 0, 0, 0, 0]),
      sum: 2.4,
    },
    web: { status: { "200": 7 }, hist: cum([0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0]), sum: 5.6 },
  },
  [
    ["942100", "block", 7],
    ["942100", "challenge", 4],
  ],
);
// The proxy restarted: api's counters start over.
const S2 = scrape({
  api: {
    status: { "200": 9, "500": 1 },
    hist: cum([4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]),
    sum: 30.04,
  },
  web: { status: { "200": 7 }, hist: cum([0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0]), sum: 5.6 },
});

const snap = (text: string) => serviceSnapshot(parsePrometheusText(text), NAMES);

describe("telemetry deltas", () => {
  it("computes per-service counts, 5xx and 4xx apart, fixed-bucket histograms and WAF deltas", () => {
    const d = telemetryDeltas(snap(S0), snap(S1), NAMES);
    expect(d.services).toEqual([
      {
        service: "api",
        requests: 68,
        errors_5xx: 3,
        errors_4xx: 5,
        latency_sum_ms: 1200,
        latency_buckets: [20, 20, 15, 5, 4, 4, 0, 0, 0, 0, 0, 0],
      },
      {
        service: "web",
        requests: 7,
        errors_5xx: 0,
        errors_4xx: 0,
        latency_sum_ms: 5600,
        latency_buckets: [0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0],
      },
    ]);
    expect(d.waf).toEqual([{ rule_id: "942100", service: "_all", blocked: 2, challenged: 4 }]);
  });

  it("treats a counter that went down as a restart and leaves idle services out", () => {
    const d = telemetryDeltas(snap(S1), snap(S2), NAMES);
    expect(d.services).toEqual([
      {
        service: "api",
        requests: 10,
        errors_5xx: 1,
        errors_4xx: 0,
        latency_sum_ms: 30040,
        latency_buckets: [4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
      },
    ]);
    expect(d.waf).toEqual([]);
  });
});

describe("agent telemetry reports", () => {
  let cp: FakeControlPlane;
  let tmp: ReturnType<typeof tempDir>;
  let metrics: Server;
  let texts: string[];
  let served = 0;

  beforeEach(async () => {
    cp = await FakeControlPlane.start();
    tmp = tempDir();
    texts = [S0, S1, S2];
    served = 0;
    metrics = createServer((_req, res) => {
      res.end(texts[Math.min(served, texts.length - 1)]);
      served += 1;
    });
    await new Promise<void>((r) => metrics.listen(0, "127.0.0.1", r));
  });

  afterEach(async () => {
    await new Promise<void>((r) => metrics.close(() => r()));
    await cp.close();
    tmp.cleanup();
  });

  it("posts one report per interval and retries a failed one without double counting", async () => {
    let clock = Date.parse("2026-12-07T12:00:00.000Z");
    const port = (metrics.address() as AddressInfo).port;
    const config = testAgentConfig(cp.url, join(tmp.dir, "state"), {
      metricsUrl: `http://127.0.0.1:${port}/metrics`,
      promNames: NAMES,
    });
    const agent = await Agent.start(config, { ...memoryLogger(), now: () => clock });
    const node = cp.node(agent.identity.node_id);
    await agent.heartbeat(); // first scrape: the baseline, no report
    expect(node.telemetry.size).toBe(0);

    clock += 30_000;
    cp.fail(/telemetry$/, 503, 2); // both HTTP attempts of the next send fail
    await agent.heartbeat();
    expect(node.telemetry.size).toBe(0);

    clock += 30_000; // past the outbox's first backoff (≤ 5 s)
    await agent.heartbeat();
    const reports = [...node.telemetry.values()];
    expect(reports.map((r) => [r.interval_start, r.interval_seconds])).toEqual([
      ["2026-12-07T12:00:00.000Z", 30],
      ["2026-12-07T12:00:30.000Z", 30],
    ]);
    const requests = reports.flatMap((r) =>
      (r.services as Array<{ service: string; requests: number }>).map((s) => [
        s.service,
        s.requests,
      ]),
    );
    expect(requests).toEqual([
      ["api", 68],
      ["web", 7],
      ["api", 10],
    ]);
    // Every attempt at the failed interval carried the same interval_start: 2 failed + 1 counted.
    expect(cp.seen(/telemetry$/)).toHaveLength(4);
  });
});
