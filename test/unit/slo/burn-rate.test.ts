import { describe, expect, it } from "vitest";
import {
  alertTransition,
  alertWindows,
  budgetRemainingPercent,
  burnRate,
  DEFAULT_ALERTING,
  evaluateSlo,
  eventsOf,
  firingLevels,
  sliPercent,
} from "../../../src/domain/slo/burn-rate";
import { type Counts, zeroCounts } from "../../../src/domain/telemetry/report";

const AVAILABILITY = { objective: "availability", target: 99.9, latencyThresholdMs: null } as const;

function counts(requests: number, errors5xx: number, errors4xx = 0): Counts {
  return { ...zeroCounts(), requests, errors5xx, errors4xx };
}

describe("SLO arithmetic", () => {
  it("counts 5xx as bad for availability and ignores 4xx", () => {
    expect(eventsOf(counts(1000, 3, 50), AVAILABILITY)).toEqual({ bad: 3, total: 1000 });
  });

  it("counts requests above the threshold bucket as bad for latency", () => {
    // Buckets: ≤5, ≤10, ≤25, ≤50, ≤100, ≤250, ≤500, … ms.
    const latency = zeroCounts().latency.map((_, i) => (i === 3 ? 90 : i === 6 ? 10 : 0));
    const slo = { objective: "latency", target: 99, latencyThresholdMs: 250 } as const;
    expect(eventsOf({ ...zeroCounts(), latency }, slo)).toEqual({ bad: 10, total: 100 });
    expect(eventsOf({ ...zeroCounts(), latency }, { ...slo, latencyThresholdMs: 500 })).toEqual({
      bad: 0,
      total: 100,
    });
  });

  it("computes the workbook's numbers: 1.44 % errors on a 99.9 % SLO burns at 14.4×", () => {
    const events = { bad: 144, total: 10_000 };
    expect(burnRate(events, 99.9)).toBeCloseTo(14.4, 9);
    expect(sliPercent(events)).toBeCloseTo(98.56, 9);
    // Over the whole window that spends 14.4 budgets: 1,340 % overspent.
    expect(budgetRemainingPercent(events, 99.9)).toBeCloseTo(-1340, 6);
    expect(budgetRemainingPercent({ bad: 5, total: 10_000 }, 99.9)).toBeCloseTo(50, 9);
    expect(budgetRemainingPercent({ bad: 0, total: 10 }, 99.9)).toBe(100);
  });

  it("has no burn rate, SLI or budget without events", () => {
    expect(burnRate({ bad: 0, total: 0 }, 99.9)).toBeNull();
    expect(sliPercent({ bad: 0, total: 0 })).toBeNull();
    expect(budgetRemainingPercent({ bad: 0, total: 0 }, 99.9)).toBeNull();
  });

  it("lists the default alert windows once, sorted", () => {
    expect(alertWindows(DEFAULT_ALERTING)).toEqual([300, 1800, 3600, 21600]);
  });

  it("fires a level only when both its windows burn at least its rate", () => {
    const rates = { "300": 20, "3600": 14.4, "1800": 7, "21600": 5.9 };
    expect(firingLevels(rates, DEFAULT_ALERTING)).toEqual(["page"]);
    expect(firingLevels({ ...rates, "300": 14.3 }, DEFAULT_ALERTING)).toEqual([]);
    expect(firingLevels({ ...rates, "21600": 6 }, DEFAULT_ALERTING)).toEqual(["page", "ticket"]);
    expect(firingLevels({ ...rates, "3600": null }, DEFAULT_ALERTING)).toEqual([]);
  });

  it("evaluates an SLO over its window and every alert window", () => {
    const windows = new Map([
      [300, counts(1000, 50)],
      [1800, counts(6000, 60)],
      [3600, counts(12_000, 200)],
      [21_600, counts(72_000, 100)],
    ]);
    const result = evaluateSlo(AVAILABILITY, DEFAULT_ALERTING, counts(1_000_000, 400), windows);
    expect(result.sli).toBeCloseTo(99.96, 9);
    expect(result.errorBudgetRemaining).toBeCloseTo(60, 6);
    expect(result.burnRates["300"]).toBeCloseTo(50, 9);
    expect(result.burnRates["1800"]).toBeCloseTo(10, 9);
    expect(result.burnRates["3600"]).toBeCloseTo(16.6667, 3);
    expect(result.burnRates["21600"]).toBeCloseTo(1.3889, 3);
    expect(result.firing).toEqual(["page"]);
    expect(evaluateSlo(AVAILABILITY, DEFAULT_ALERTING, counts(0, 0), new Map()).firing).toEqual([]);
  });

  it("fires and resolves only on a change", () => {
    expect(alertTransition(false, true)).toBe("fire");
    expect(alertTransition(true, true)).toBeNull();
    expect(alertTransition(true, false)).toBe("resolve");
    expect(alertTransition(false, false)).toBeNull();
  });
});
