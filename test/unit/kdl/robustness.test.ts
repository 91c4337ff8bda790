import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ValidationResult } from "../../../src/kdl/index.js";
import { generateLargeConfig } from "../../../src/kdl/testing/generate.js";
import { validateText } from "./helpers.js";

function checkInvariants(result: ValidationResult): void {
  expect(result.ok).toBe(result.errors.length === 0);
  expect(result.model === null).toBe(!result.ok);
  for (const diagnostic of [...result.errors, ...result.warnings]) {
    expect(diagnostic.line).toBeGreaterThanOrEqual(1);
    expect(diagnostic.column).toBeGreaterThanOrEqual(1);
    expect(diagnostic.message.length).toBeGreaterThan(0);
    expect(diagnostic.file).toBe("zentinel.kdl");
  }
}

describe("robustness", () => {
  it("reports 1-based positions even where the parser says column 0 (regression: `r# `)", () => {
    const result = validateText("r# ");
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatchObject({ line: 1, column: 1 });
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        checkInvariants(validateText(text));
      }),
      { numRuns: 300 },
    );
  });

  it("never throws when lines of a valid config are deleted or duplicated", () => {
    const lines = generateLargeConfig(3).split("\n");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(lines.length - 1), fc.boolean()), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const mutated = [...lines];
          for (const [index, duplicate] of edits) {
            const line = mutated[index % mutated.length] ?? "";
            mutated.splice(index % mutated.length, 1, ...(duplicate ? [line, line] : []));
          }
          checkInvariants(validateText(mutated.join("\n")));
        },
      ),
      { numRuns: 200 },
    );
  });
});
