import { describe, expect, it } from "vitest";
import { jitterSeconds } from "../../../src/domain/jitter";

describe("jitterSeconds", () => {
  it("spreads over ±10 % of the base", () => {
    expect(jitterSeconds(30, 0)).toBe(27);
    expect(jitterSeconds(30, 0.5)).toBe(30);
    expect(jitterSeconds(30, 0.999_999)).toBe(33);
  });

  it("stays within bounds for any sample and never drops below one second", () => {
    for (let i = 0; i <= 100; i++) {
      const s = jitterSeconds(120, i / 101);
      expect(s).toBeGreaterThanOrEqual(108);
      expect(s).toBeLessThanOrEqual(132);
    }
    expect(jitterSeconds(1, 0)).toBe(1);
  });
});
