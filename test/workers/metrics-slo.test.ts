import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerNode } from "./fixtures";
import { call, createTenant, keyForRole } from "./harness";
import { parsePrometheusText } from "./prometheus-text";
import { advance, startClock } from "./rollout-sim";
import { createSlo, runSli } from "./slo-helpers";
import { histogramAt, sendTelemetry } from "./telemetry-helpers";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

const FIVE_MIN_MS = 5 * 60_000;

describe("GET /metrics: SLO gauges", () => {
  it("exports SLI, budget and burn rates per SLO as the SLI job computed them", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const avail = await createSlo(t, {
      name: "api-avail",
      service: "api",
      objective: "availability",
      target: 99.9,
    });
    // 10 minutes of 1,000 requests per 30 s with 5 % errors.
    for (let i = 0; i < 20; i += 1) {
      advance(30_000);
      const res = await sendTelemetry(node, {
        services: [
          { service: "api", requests: 1000, errors_5xx: 50, latency_buckets: histogramAt(1000) },
        ],
      });
      expect(res.body.counted).toBe(true);
    }
    const next = Math.ceil((Date.now() + 1) / FIVE_MIN_MS) * FIVE_MIN_MS;
    vi.setSystemTime(next);
    await runSli(next);
    // Created after the job ran: the target is known, nothing computed yet.
    await createSlo(t, {
      name: "later",
      objective: "latency",
      target: 99,
      latency_threshold_ms: 250,
    });
    const shown = await call("GET", `/api/v1/projects/${t.slug}/slos/${avail.id}`, {
      key: t.adminKey,
    });
    const status = shown.body.status;
    expect(status.sli).toBeCloseTo(95, 5);

    const other = await createTenant();
    await createSlo(other, { name: "foreign", objective: "availability", target: 99 });
    const res = await call("GET", "/metrics", { key: await keyForRole(t.orgId, "reader") });
    expect(res.status, res.text).toBe(200);
    for (const name of [
      "zcp_slo_target_percent",
      "zcp_slo_sli_percent",
      "zcp_slo_error_budget_remaining_percent",
      "zcp_slo_burn_rate",
    ]) {
      expect(res.text).toContain(`# TYPE ${name} gauge`);
    }
    const m = parsePrometheusText(res.text);
    const l = `project="${t.slug}",slo="api-avail",service="api",objective="availability"`;
    expect(m.get(`zcp_slo_target_percent{${l}}`)).toBe(99.9);
    expect(m.get(`zcp_slo_sli_percent{${l}}`)).toBeCloseTo(95, 5);
    expect(m.get(`zcp_slo_error_budget_remaining_percent{${l}}`)).toBeCloseTo(
      status.error_budget_remaining,
      5,
    );
    expect(m.get(`zcp_slo_burn_rate{${l},window="300s"}`)).toBeCloseTo(50, 5);
    for (const [windowSeconds, rate] of Object.entries(status.burn_rates)) {
      if (rate !== null) {
        expect(m.get(`zcp_slo_burn_rate{${l},window="${windowSeconds}s"}`)).toBeCloseTo(
          rate as number,
          5,
        );
      }
    }
    expect(m.get(`zcp_slo_computed_timestamp_seconds{${l}}`)).toBe(Math.floor(next / 1000));
    const later = `project="${t.slug}",slo="later",service="",objective="latency"`;
    expect(m.get(`zcp_slo_target_percent{${later}}`)).toBe(99);
    expect(m.has(`zcp_slo_sli_percent{${later}}`)).toBe(false);
    // Another org's SLO is not in this caller's scrape.
    expect(res.text).not.toContain('slo="foreign"');
  });
});
