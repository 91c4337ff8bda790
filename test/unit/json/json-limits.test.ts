import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  inspectJson,
  jsonDepth,
  MAX_JSON_DEPTH,
  MAX_JSON_PROBLEMS,
  stringProblem,
} from "../../../src/domain/json-limits";

/** Nesting depth of a parsed value, computed on the value (the scanner works on text). */
function valueDepth(v: unknown): number {
  if (Array.isArray(v)) {
    return 1 + Math.max(0, ...v.map(valueDepth));
  }
  if (typeof v === "object" && v !== null) {
    return 1 + Math.max(0, ...Object.values(v).map(valueDepth));
  }
  return 0;
}

describe("jsonDepth", () => {
  it("equals the depth of the parsed value for any JSON text (strings with brackets included)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 40 }), (v) => {
        const text = JSON.stringify(v);
        expect(jsonDepth(text, Number.POSITIVE_INFINITY)).toBe(valueDepth(JSON.parse(text)));
      }),
      { numRuns: 300 },
    );
  });

  it("ignores brackets in strings and escaped quotes", () => {
    expect(jsonDepth('{"a":"{[{[\\"]}"}')).toBe(1);
    expect(jsonDepth('["\\\\",[1]]')).toBe(2);
  });

  it("stops at the first level past the limit", () => {
    expect(jsonDepth("[".repeat(1_000_000), 32)).toBe(33);
  });
});

describe("stringProblem", () => {
  it("accepts every well-formed string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        fc.pre(!s.includes("\u0000"));
        expect(stringProblem(s)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it("finds a lone surrogate anywhere, high or low, and NUL", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.string(),
        (before, unit, after) => {
          // Keep the inserted unit unpaired: no surrogates around it.
          const clean = (s: string) => s.replace(/[\uD800-\uDFFF]/g, "x");
          const s = `${clean(before)}${String.fromCharCode(unit)}${clean(after)}`;
          expect(stringProblem(s)).toContain("lone UTF-16 surrogate");
        },
      ),
    );
    expect(stringProblem("ok\u0000")).toContain("NUL");
    expect(stringProblem("\ud83d\ude80")).toBeNull();
  });
});

describe("inspectJson", () => {
  it("passes any JSON value within the depth limit unchanged", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: MAX_JSON_DEPTH - 1 }), (v) => {
        const text = JSON.stringify(v);
        fc.pre(!text.includes("\\u0000"));
        const result = inspectJson(text);
        expect(result).toEqual({ ok: true, value: JSON.parse(text) });
      }),
      { numRuns: 300 },
    );
  });

  it("reports malformed text, too deep nesting, and every bad value with its path", () => {
    expect(inspectJson('{"a":')).toMatchObject({ ok: false, kind: "malformed" });
    expect(
      inspectJson(`${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}`),
    ).toEqual({ ok: false, kind: "too_deep", depth: MAX_JSON_DEPTH + 1 });
    const result = inspectJson('{"a":["\\ud800",1e400],"b":{"c":"x\\u0000"}}');
    expect(result).toMatchObject({
      ok: false,
      kind: "invalid",
      problems: [{ path: "a.0" }, { path: "a.1" }, { path: "b.c" }],
    });
  });

  it("lists at most MAX_JSON_PROBLEMS problems", () => {
    const text = JSON.stringify(Array.from({ length: 500 }, () => "\ud800"));
    const result = inspectJson(text);
    expect(result.ok).toBe(false);
    if (!result.ok && result.kind === "invalid") {
      expect(result.problems).toHaveLength(MAX_JSON_PROBLEMS);
    }
  });
});
