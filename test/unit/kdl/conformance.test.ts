import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../../src/kdl/index.js";

const ROOT = join(import.meta.dirname, "../../fixtures/zentinel-examples");

interface Expectation {
  kdl_v2: boolean;
  expected: "pass" | "fail";
  first_error?: string;
}

const expectations = JSON.parse(readFileSync(join(ROOT, "expectations.json"), "utf8")) as {
  files: Record<string, Expectation>;
};

const SYNTAX_MESSAGE = "KDL parse error during include expansion: Failed to parse KDL document";

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe("conformance with the proxy's expected verdicts (expectations.json)", () => {
  const entries = Object.entries(expectations.files);

  it("covers every .kdl fixture", () => {
    const onDisk = listFiles(ROOT)
      .filter((path) => path.endsWith(".kdl"))
      .map((path) => relative(ROOT, path))
      .sort();
    expect(entries.map(([path]) => path).sort()).toEqual(onDisk);
  });

  it.each(entries)("%s", (path, expectation) => {
    const text = readFileSync(join(ROOT, path), "utf8");
    const result = validateConfig({ entry: "zentinel.kdl", files: { "zentinel.kdl": text } });
    expect(result.ok).toBe(expectation.expected === "pass");
    if (expectation.expected === "pass") {
      expect(result.errors).toEqual([]);
      expect(result.model).not.toBeNull();
      return;
    }
    const first = result.errors[0];
    expect(first).toBeDefined();
    if (!expectation.kdl_v2) {
      // The proxy prints only a fixed text for syntax errors; the fixture describes the cause.
      expect(first?.rule).toBe("kdl-syntax");
      expect(first?.message).toBe(SYNTAX_MESSAGE);
      expect(result.errors.every((error) => error.rule === "kdl-syntax")).toBe(true);
    } else if (expectation.first_error) {
      expect(first?.message.startsWith(expectation.first_error)).toBe(true);
    }
  });
});

describe("multi-file example (config/example-multi-file)", () => {
  const dir = join(ROOT, "config/example-multi-file");
  const files = Object.fromEntries(
    listFiles(dir)
      .filter((path) => path.endsWith(".kdl"))
      .map((path) => [relative(dir, path), readFileSync(path, "utf8")]),
  );

  it("is rejected at the entry file's KDL v1/array syntax, before any include is read", () => {
    expect(Object.keys(files).length).toBe(6);
    const result = validateConfig({ entry: "zentinel.kdl", files });
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatchObject({
      file: "zentinel.kdl",
      message: SYNTAX_MESSAGE,
      rule: "kdl-syntax",
      line: 22,
      column: 19,
    });
    expect(result.includedFiles).toEqual(["zentinel.kdl"]);
  });

  it("rejects the valid-KDL routes fragment on its retry-policy, like the proxy", () => {
    const result = validateConfig({ entry: "routes/api.kdl", files });
    expect(result.errors[0]?.message).toBe("Got unknown key timeout-ms");
    expect(result.errors[0]?.file).toBe("routes/api.kdl");
  });
});
