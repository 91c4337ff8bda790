import { describe, expect, it } from "vitest";
import { latencyHistogram, simulatedTelemetry } from "../../../scripts/simulate/telemetry";
import { histogramQuantileMs } from "../../../src/domain/telemetry/buckets";

describe("simulated telemetry", () => {
  it("agrees with the heartbeat's drawn metrics: counts, 5xx share and p99", () => {
    const report = simulatedTelemetry(
      { request_count: 10_000, error_count: 500, error_rate: 5, latency_p99_ms: 400 },
      Date.parse("2026-12-07T12:00:00.000Z"),
      30,
    );
    expect(report.interval_start).toBe("2026-12-07T12:00:00.000Z");
    expect(report.interval_seconds).toBe(30);
    const sum = (f: (s: (typeof report.services)[number]) => number) =>
      report.services.reduce((a, s) => a + f(s), 0);
    expect(sum((s) => s.requests)).toBe(10_000);
    expect(sum((s) => s.errors_5xx)).toBe(500);
    expect(sum((s) => s.errors_4xx)).toBe(200);
    for (const s of report.services) {
      expect(s.latency_buckets.reduce((a, b) => a + b, 0)).toBe(s.requests);
      expect(s.errors_5xx + s.errors_4xx).toBeLessThanOrEqual(s.requests);
    }
    const api = report.services.find((s) => s.service === "api");
    const p99 = histogramQuantileMs(api?.latency_buckets ?? [], 0.99) ?? 0;
    // Bucket interpolation is coarse (250–500 ms bucket): within 25 % of the drawn p99.
    expect(p99).toBeGreaterThan(300);
    expect(p99).toBeLessThan(500);
    expect(report.waf).toEqual([
      { rule_id: "942100", service: "api", blocked: 20, challenged: 10 },
    ]);
  });

  it("moves the histogram with the bundle's latency and sends nothing without requests", () => {
    const fast = histogramQuantileMs(latencyHistogram(1000, 40), 0.99) ?? 0;
    const slow = histogramQuantileMs(latencyHistogram(1000, 2000), 0.99) ?? 0;
    expect(fast).toBeLessThan(50);
    expect(slow).toBeGreaterThan(1000);
    const idle = simulatedTelemetry({ request_count: 0, error_count: 0 }, 0, 30);
    expect(idle.services).toEqual([]);
    expect(idle.waf).toEqual([]);
  });
});
