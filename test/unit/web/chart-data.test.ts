import { describe, expect, it } from "vitest";
import { alignSeries, latestValue, toneColor } from "../../../web/src/lib/chart-data";

describe("alignSeries", () => {
  it("merges x values ascending (ms → s) and leaves gaps where a series has no point", () => {
    const a = {
      name: "a",
      tone: "c1",
      points: [
        [3000, 3],
        [1000, 1],
      ] as Array<[number, number]>,
    };
    const b = { name: "b", tone: "c2", points: [[2000, 20]] as Array<[number, number]> };
    expect(alignSeries([a, b])).toEqual({
      xs: [1, 2, 3],
      ys: [
        [1, null, 3],
        [null, 20, null],
      ],
    });
  });

  it("turns non-finite values into gaps and lets a later duplicate win", () => {
    const s = {
      name: "s",
      tone: "c1",
      points: [
        [1000, Number.NaN],
        [2000, 1],
        [2000, 2],
      ] as Array<[number, number]>,
    };
    expect(alignSeries([s]).ys).toEqual([[null, 2]]);
  });

  it("handles no series and no points", () => {
    expect(alignSeries([])).toEqual({ xs: [], ys: [] });
    expect(latestValue({ name: "x", tone: "c1", points: [] })).toBeNull();
    expect(toneColor("c2")).toBe("#2563eb");
    expect(toneColor("nope")).toBe("#475569");
  });
});
