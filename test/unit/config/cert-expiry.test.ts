import { describe, expect, it } from "vitest";
import { daysLeft, dueThreshold, expirySeverity } from "../../../src/domain/config/cert-expiry";

const DAY = 86_400_000;
const NOT_AFTER = Date.parse("2030-06-01T00:00:00Z");
const at = (daysBefore: number) => NOT_AFTER - daysBefore * DAY;

describe("certificate expiry thresholds", () => {
  it("warns once at 30, 7 and 1 days, in that order", () => {
    expect(dueThreshold(NOT_AFTER, at(31), null)).toBeNull();
    expect(dueThreshold(NOT_AFTER, at(30), null)).toBe(30);
    expect(dueThreshold(NOT_AFTER, at(29), 30)).toBeNull();
    expect(dueThreshold(NOT_AFTER, at(7), 30)).toBe(7);
    expect(dueThreshold(NOT_AFTER, at(2), 7)).toBeNull();
    expect(dueThreshold(NOT_AFTER, at(0.5), 7)).toBe(1);
    expect(dueThreshold(NOT_AFTER, at(-3), 1)).toBeNull();
  });

  it("catches up with only the most urgent threshold after a gap", () => {
    expect(dueThreshold(NOT_AFTER, at(3), null)).toBe(7);
    expect(dueThreshold(NOT_AFTER, at(-1), null)).toBe(1);
    expect(dueThreshold(NOT_AFTER, at(-1), 30)).toBe(1);
  });

  it("rates the last day critical and counts whole days", () => {
    expect(expirySeverity(30)).toBe("warning");
    expect(expirySeverity(7)).toBe("warning");
    expect(expirySeverity(1)).toBe("critical");
    expect(daysLeft(NOT_AFTER, at(6.5))).toBe(6);
    expect(daysLeft(NOT_AFTER, at(-0.5))).toBe(-1);
  });
});
