import { describe, expect, it } from "vitest";
import {
  ANOMALY_DEDUP_MS,
  detectAnomalies,
  effectiveStddev,
  expectedForWindow,
  newAnomalies,
  type ReportedAnomaly,
} from "../../../src/domain/waf/anomaly";
import {
  type BaselineSlot,
  computeBaselines,
  fillMissingHours,
  HOUR_MS,
  type HourlyCount,
  hourOfWeek,
} from "../../../src/domain/waf/baseline";

const WEEK_MS = 168 * HOUR_MS;
/** Monday 2026-12-07 00:00 UTC. */
const MONDAY = Date.UTC(2026, 11, 7, 0, 0, 0);

describe("hourOfWeek", () => {
  it("puts Monday 00:00 UTC at 0 and Sunday 23:00 at 167", () => {
    expect(new Date(MONDAY).getUTCDay()).toBe(1);
    expect(hourOfWeek(MONDAY)).toBe(0);
    expect(hourOfWeek(MONDAY + 9 * HOUR_MS + 59 * 60_000)).toBe(9);
    expect(hourOfWeek(MONDAY - 1)).toBe(167);
    expect(hourOfWeek(MONDAY + WEEK_MS)).toBe(0);
    expect(hourOfWeek(0)).toBe(3 * 24); // 1970-01-01 was a Thursday
  });
});

describe("computeBaselines", () => {
  it("gives mean and sample stddev per rule and hour-of-week slot", () => {
    const counts: HourlyCount[] = [10, 20, 30].map((count, week) => ({
      ruleId: "942100",
      hourStart: MONDAY + 9 * HOUR_MS - (week + 1) * WEEK_MS,
      count,
    }));
    counts.push({ ruleId: "942100", hourStart: MONDAY + 10 * HOUR_MS - WEEK_MS, count: 7 });
    const b = computeBaselines(counts);
    expect(b).toEqual([
      { ruleId: "942100", hourOfWeek: 9, mean: 20, stddev: 10, samples: 3 },
      { ruleId: "942100", hourOfWeek: 10, mean: 7, stddev: 0, samples: 1 },
    ]);
  });

  it("counts quiet hours as zeros once filled in", () => {
    const from = MONDAY - 2 * WEEK_MS;
    const counts = [{ ruleId: "r", hourStart: MONDAY - WEEK_MS, count: 40 }];
    const filled = fillMissingHours(counts, from, MONDAY);
    expect(filled).toHaveLength(2 * 168);
    const slot0 = computeBaselines(filled).find((s) => s.hourOfWeek === 0);
    expect(slot0).toMatchObject({ mean: 20, samples: 2 });
  });
});

function slots(entries: Array<[number, number, number, number?]>): BaselineSlot[] {
  return entries.map(([h, mean, stddev, samples]) => ({
    ruleId: "r",
    hourOfWeek: h,
    mean,
    stddev,
    samples: samples ?? 4,
  }));
}

describe("expectedForWindow", () => {
  it("weights the two hours a window straddles by their overlap", () => {
    const m = new Map(
      slots([
        [9, 100, 10],
        [10, 200, 20],
      ]).map((s) => [s.hourOfWeek, s]),
    );
    const from = MONDAY + 9.5 * HOUR_MS;
    const e = expectedForWindow(m, from, from + HOUR_MS, 2);
    expect(e?.mean).toBeCloseTo(150);
    expect(e?.stddev).toBeCloseTo(Math.sqrt(0.5 * 100 + 0.5 * 400));
  });

  it("is null when a slot is missing or too young", () => {
    const m = new Map(slots([[9, 100, 10, 1]]).map((s) => [s.hourOfWeek, s]));
    expect(expectedForWindow(m, MONDAY + 9 * HOUR_MS, MONDAY + 10 * HOUR_MS, 2)).toBeNull();
    expect(expectedForWindow(m, MONDAY + 9 * HOUR_MS, MONDAY + 10 * HOUR_MS, 1)).not.toBeNull();
    expect(expectedForWindow(m, MONDAY + 10 * HOUR_MS, MONDAY + 11 * HOUR_MS, 1)).toBeNull();
  });
});

describe("detectAnomalies", () => {
  const from = MONDAY + 9 * HOUR_MS;
  const to = from + HOUR_MS;
  const base = slots([[9, 100, 10]]);

  it("flags |z| ≥ 3 both ways, with severity by |z|", () => {
    const at = (count: number) => detectAnomalies(new Map([["r", count]]), base, from, to);
    expect(at(129)).toEqual([]); // z 2.9
    expect(at(130)[0]).toMatchObject({ direction: "spike", z: 3, severity: "medium" });
    expect(at(140)[0]).toMatchObject({ severity: "high" });
    expect(at(150)[0]).toMatchObject({ severity: "critical" });
    expect(at(70)[0]).toMatchObject({ direction: "drop", z: -3 });
  });

  it("treats a baselined rule missing from the window as zero blocks (a drop)", () => {
    const found = detectAnomalies(new Map(), base, from, to);
    expect(found).toMatchObject([{ ruleId: "r", observed: 0, direction: "drop" }]);
  });

  it("needs the minimum volume on one side", () => {
    const quiet = slots([[9, 2, 0.5]]);
    // z = (15 - 2) / max(0.5, √2, 1) ≈ 9.2, but 15 < 20 blocks: not judged.
    expect(detectAnomalies(new Map([["r", 15]]), quiet, from, to)).toEqual([]);
    expect(detectAnomalies(new Map([["r", 20]]), quiet, from, to)).toHaveLength(1);
  });

  it("skips rules without a baseline and floors the stddev at √expected", () => {
    const found = detectAnomalies(
      new Map([
        ["new-rule", 10_000],
        ["r", 100],
      ]),
      base,
      from,
      to,
    );
    expect(found).toEqual([]);
    const flat = slots([[9, 100, 0]]);
    // stddev 0 would make 101 infinitely significant; the floor is √100 = 10.
    expect(effectiveStddev(100, 0)).toBe(10);
    expect(detectAnomalies(new Map([["r", 125]]), flat, from, to)).toEqual([]);
    expect(detectAnomalies(new Map([["r", 131]]), flat, from, to)).toHaveLength(1);
  });
});

describe("newAnomalies", () => {
  it("drops repeats of the same rule and direction within the dedup window", () => {
    const from = MONDAY + 9 * HOUR_MS;
    const [spike] = detectAnomalies(
      new Map([["r", 200]]),
      slots([[9, 100, 10]]),
      from,
      from + HOUR_MS,
    );
    if (!spike) {
      throw new Error("expected a spike");
    }
    const now = from + HOUR_MS;
    const recent: ReportedAnomaly = {
      ruleId: "r",
      direction: "spike",
      detectedAt: now - 15 * 60_000,
    };
    expect(newAnomalies([spike], [recent], now)).toEqual([]);
    expect(newAnomalies([spike], [{ ...recent, direction: "drop" }], now)).toEqual([spike]);
    expect(newAnomalies([spike], [{ ...recent, ruleId: "other" }], now)).toEqual([spike]);
    expect(newAnomalies([spike], [{ ...recent, detectedAt: now - ANOMALY_DEDUP_MS }], now)).toEqual(
      [spike],
    );
  });
});
