import { describe, expect, it } from "vitest";
import { generateLargeConfig } from "../../../src/kdl/testing/generate.js";
import { validateText } from "./helpers.js";

describe("large configs", () => {
  it("validates a generated 1,000-route config", () => {
    const text = generateLargeConfig(1000);
    expect(generateLargeConfig(1000)).toBe(text);
    const result = validateText(text);
    expect(result.errors).toEqual([]);
    expect(result.model?.routes).toHaveLength(1000);
    expect(result.model?.upstreams).toHaveLength(100);
    expect(result.warnings.map((warning) => warning.rule).sort()).toEqual([
      "skipped-agents",
      "skipped-certs",
      "skipped-network",
    ]);
    expect(result.model?.routes.filter((route) => route.policies.auth)).toHaveLength(334);
  });

  it("still reports the proxy's first error in a large config", () => {
    const text = generateLargeConfig(1000).replace(
      /(route "route-00042"[\s\S]*?upstream )"upstream-00042"/,
      '$1"ghost"',
    );
    const result = validateText(text);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toContain("Route 'route-00042' references upstream 'ghost'");
  });
});
