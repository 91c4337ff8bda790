import { describe, expect, it } from "vitest";
import { globToRegex, hasGlobMeta, isValidGlob, normalizePath } from "../../../src/kdl/paths.js";

describe("paths", () => {
  it("normalises relative paths and refuses to escape the root", () => {
    expect(normalizePath("./a//b/../c.kdl")).toBe("a/c.kdl");
    expect(normalizePath("a\\b.kdl")).toBe("a/b.kdl");
    expect(normalizePath("../x.kdl")).toBeNull();
  });

  it.each([
    ["routes/*.kdl", "routes/api.kdl", true],
    ["routes/*.kdl", "routes/v1/api.kdl", false],
    ["routes/**/*.kdl", "routes/api.kdl", true],
    ["routes/**/*.kdl", "routes/v1/deep/api.kdl", true],
    ["**", "a/b/c.kdl", true],
    ["r?.kdl", "r1.kdl", true],
    ["r?.kdl", "r10.kdl", false],
    ["[ab].kdl", "a.kdl", true],
    ["[!ab].kdl", "a.kdl", false],
    ["[!ab].kdl", "c.kdl", true],
    ["a.kdl", "aXkdl", false],
    ["x+y(1).kdl", "x+y(1).kdl", true],
  ])("%s matches %s: %s", (pattern, path, matches) => {
    expect(globToRegex(pattern).test(path)).toBe(matches);
  });

  it("detects glob metacharacters", () => {
    expect(hasGlobMeta("routes/api.kdl")).toBe(false);
    expect(hasGlobMeta("routes/[a].kdl")).toBe(true);
  });

  it.each([
    ["routes/**/*.kdl", true],
    ["routes/[ab]*.kdl", true],
    ["routes/a**.kdl", false],
    ["routes/***/x.kdl", false],
    ["routes/[ab.kdl", false],
  ])("glob %s is valid: %s", (pattern, valid) => {
    expect(isValidGlob(pattern)).toBe(valid);
  });
});
