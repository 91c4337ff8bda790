import { describe, expect, it } from "vitest";
import {
  BASE_RETRY_DELAY_S,
  MAX_RETRY_DELAY_S,
  RETRY_JITTER_FRACTION,
  retryDelaySeconds,
} from "../../../src/notifications/backoff";
import { matchesPattern, patternProblem } from "../../../src/notifications/patterns";

describe("rule patterns", () => {
  it("accepts *, prefix.* at any depth and exact types", () => {
    for (const ok of [
      "*",
      "rollout.*",
      "security.waf.*",
      "drift.detected",
      "node.unknown_bundle",
    ]) {
      expect(patternProblem(ok), ok).toBeNull();
    }
  });

  it("rejects everything else with a message", () => {
    for (const bad of [
      "",
      "rollout",
      "*.failed",
      "rollout.**",
      "Rollout.failed",
      "a..b",
      "a.*.b",
    ]) {
      expect(patternProblem(bad), bad).toMatch(/must be/);
    }
    expect(patternProblem(`a.${"b".repeat(200)}`)).toMatch(/at most/);
  });

  it("matches by wildcard, prefix (with the dot) and exact type", () => {
    expect(matchesPattern("*", "anything.here")).toBe(true);
    expect(matchesPattern("rollout.*", "rollout.failed")).toBe(true);
    expect(matchesPattern("rollout.*", "rollout.step.started")).toBe(true);
    expect(matchesPattern("rollout.*", "rollouts.failed")).toBe(false);
    expect(matchesPattern("rollout.*", "rollout")).toBe(false);
    expect(matchesPattern("drift.detected", "drift.detected")).toBe(true);
    expect(matchesPattern("drift.detected", "drift.resolved")).toBe(false);
  });
});

describe("retry backoff", () => {
  it("doubles from the base and caps, without jitter when random is 0", () => {
    const zero = () => 0;
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, zero))).toEqual([
      BASE_RETRY_DELAY_S,
      BASE_RETRY_DELAY_S * 2,
      BASE_RETRY_DELAY_S * 4,
      BASE_RETRY_DELAY_S * 8,
    ]);
    expect(retryDelaySeconds(30, zero)).toBe(MAX_RETRY_DELAY_S);
    expect(retryDelaySeconds(10_000, zero)).toBe(MAX_RETRY_DELAY_S);
  });

  it("adds at most the jitter fraction and never less than the base delay", () => {
    for (const r of [0, 0.3, 0.999999, 1, 5, -1]) {
      const delay = retryDelaySeconds(3, () => r);
      expect(delay).toBeGreaterThanOrEqual(BASE_RETRY_DELAY_S * 4);
      expect(delay).toBeLessThan(BASE_RETRY_DELAY_S * 4 * (1 + RETRY_JITTER_FRACTION));
    }
  });
});
