import { describe, expect, it } from "vitest";
import { DEFAULT_ALERTING } from "../../../src/domain/slo/burn-rate";
import { evaluateSloGate, SLO_GATE_DEFAULTS, type SloGateSpec } from "../../../src/domain/slo/gate";
import { mergeAlerting, validateSloSpec } from "../../../src/domain/slo/spec";
import { type Counts, zeroCounts } from "../../../src/domain/telemetry/report";

const SPEC: SloGateSpec = {
  slo_id: "slo-1",
  service: "api",
  objective: "availability",
  target: 99.9,
  latency_threshold_ms: null,
  max_burn_rate: 14.4,
  ...SLO_GATE_DEFAULTS,
};

const counts = (requests: number, errors5xx: number): Counts => ({
  ...zeroCounts(),
  requests,
  errors5xx,
});

describe("slo_burn_rate gate", () => {
  it("fails when updated nodes burn above the threshold and worse than the baseline", () => {
    const verdict = evaluateSloGate(SPEC, {
      updated: counts(2000, 100),
      baseline: counts(8000, 2),
    });
    expect(verdict.kind).toBe("fail");
    expect(verdict.numbers.updated_burn_rate).toBeCloseTo(50, 9);
    expect(verdict.numbers.baseline_burn_rate).toBeCloseTo(0.25, 9);
    expect(verdict.numbers.p_value).toBeLessThan(0.05);
    if (verdict.kind === "fail") {
      expect(verdict.reason).toContain("50.0×");
    }
  });

  it("passes a project-wide incident that the baseline shares", () => {
    const verdict = evaluateSloGate(SPEC, {
      updated: counts(2000, 100),
      baseline: counts(8000, 400),
    });
    expect(verdict.kind).toBe("pass");
  });

  it("passes below the threshold and waits for enough events", () => {
    expect(evaluateSloGate(SPEC, { updated: counts(2000, 20), baseline: counts(0, 0) }).kind).toBe(
      "pass",
    );
    expect(evaluateSloGate(SPEC, { updated: counts(199, 199), baseline: counts(0, 0) }).kind).toBe(
      "no_data",
    );
  });

  it("decides on the threshold alone without baseline traffic", () => {
    expect(evaluateSloGate(SPEC, { updated: counts(200, 10), baseline: counts(0, 0) }).kind).toBe(
      "fail",
    );
  });
});

describe("SLO spec rules", () => {
  const valid = {
    objective: "availability",
    target: 99.9,
    latency_threshold_ms: null,
    window_days: 28,
    alerting: DEFAULT_ALERTING,
  } as const;

  it("accepts the defaults and merges partial alerting field by field", () => {
    expect(validateSloSpec(valid)).toEqual([]);
    const merged = mergeAlerting({ page: { burn_rate: 10 }, ticket: null });
    expect(merged.page).toEqual({ ...DEFAULT_ALERTING.page, burn_rate: 10 });
    expect(merged.ticket).toEqual(DEFAULT_ALERTING.ticket);
  });

  it("reports every problem with its path", () => {
    const paths = validateSloSpec({
      ...valid,
      objective: "latency",
      target: 100,
      latency_threshold_ms: 123,
      window_days: 36,
      alerting: {
        ...DEFAULT_ALERTING,
        page: { ...DEFAULT_ALERTING.page, short_window_seconds: 90 },
      },
    }).map((p) => p.path);
    expect(paths).toEqual([
      "target",
      "latency_threshold_ms",
      "window_days",
      "alerting.page.short_window_seconds",
    ]);
    for (const target of [0, -1, Number.NaN]) {
      expect(validateSloSpec({ ...valid, target }).map((p) => p.path)).toEqual(["target"]);
    }
    expect(
      validateSloSpec({ ...valid, objective: "latency", latency_threshold_ms: null }).map(
        (p) => p.path,
      ),
    ).toEqual(["latency_threshold_ms"]);
  });
});
