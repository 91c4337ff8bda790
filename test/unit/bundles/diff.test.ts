import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { diffFiles, unifiedDiff } from "../../../src/bundles/diff";
import { requireTool } from "./helpers";

const dir = mkdtempSync(join(tmpdir(), "zcp-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (...l: string[]) => l.map((x) => `${x}\n`).join("");
const ALPHABET = lines("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");

/** Hunks of GNU `diff -u` (headers dropped), as an independent reference. */
function gnuHunks(before: string, after: string): string {
  writeFileSync(join(dir, "old"), before);
  writeFileSync(join(dir, "new"), after);
  try {
    execFileSync("diff", ["-u", "old", "new"], { cwd: dir, encoding: "utf8" });
    return "";
  } catch (error) {
    const out = (error as { stdout: string }).stdout;
    return out.split("\n").slice(2).join("\n");
  }
}

/** Length of the longest common subsequence (reference for minimality). */
function lcs(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let prev = 0;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = x === b[j - 1] ? prev + 1 : Math.max(row[j] ?? 0, row[j - 1] ?? 0);
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

describe("unifiedDiff", () => {
  it("matches GNU diff -u for a single change with 3 lines of context", () => {
    const after = ALPHABET.replace("e\n", "E\n");
    const diff = unifiedDiff("zentinel.kdl", ALPHABET, after);
    expect(diff.text).toBe(
      "--- a/zentinel.kdl\n+++ b/zentinel.kdl\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n",
    );
    expect(diff.text.split("\n").slice(2).join("\n")).toBe(gnuHunks(ALPHABET, after));
    expect([diff.added, diff.removed]).toEqual([1, 1]);
  });

  it("merges changes at most 6 lines apart and splits farther ones (like GNU)", () => {
    requireTool("diff", "diffutils");
    const near = ALPHABET.replace("b\n", "B\n").replace("i\n", "I\n");
    expect(unifiedDiff("f", ALPHABET, near).text.match(/^@@/gm)).toHaveLength(1);
    const long = lines(..."abcdefghijklmnopqrst".split(""));
    const far = long.replace("b\n", "B\n").replace("j\n", "J\n");
    expect(unifiedDiff("f", long, far).text.match(/^@@/gm)).toHaveLength(2);
    for (const after of [near, far]) {
      const base = after === near ? ALPHABET : long;
      expect(unifiedDiff("f", base, after).text.split("\n").slice(2).join("\n")).toBe(
        gnuHunks(base, after),
      );
    }
  });

  it("handles insertions at the start, deletions at the end and empty sides", () => {
    expect(unifiedDiff("f", "b\n", "a\nb\n").text).toBe(
      "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n+a\n b\n",
    );
    expect(unifiedDiff("f", "a\nb\n", "a\n").text).toBe(
      "--- a/f\n+++ b/f\n@@ -1,2 +1 @@\n a\n-b\n",
    );
    expect(unifiedDiff("f", "", "x\ny\n").text).toBe("--- a/f\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n");
    expect(unifiedDiff("f", "same\n", "same\n")).toEqual({ text: "", added: 0, removed: 0 });
    for (const [before, after] of [
      ["b\n", "a\nb\n"],
      ["a\nb\n", "a\n"],
      ["", "x\ny\n"],
      ["x\n", ""],
    ]) {
      const body = unifiedDiff("f", before ?? "", after ?? "")
        .text.split("\n")
        .slice(2)
        .join("\n");
      expect(body).toBe(gnuHunks(before ?? "", after ?? ""));
    }
  });

  it("marks a missing final newline", () => {
    const diff = unifiedDiff("f", "a\nb", "a\nb\n");
    expect(diff.text).toBe(
      "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
    );
    expect(diff.text.split("\n").slice(2).join("\n")).toBe(gnuHunks("a\nb", "a\nb\n"));
  });

  it("is minimal and `patch` reproduces the new text (property)", () => {
    requireTool("patch", "patch");
    const text = fc
      .array(fc.constantFrom("a", "b", "c", "d", "route {", "}", ""), { maxLength: 40 })
      .map((l) => l.map((x) => `${x}\n`).join(""));
    fc.assert(
      fc.property(text, text, fc.boolean(), (before, after, dropNewline) => {
        const next = dropNewline && after.length > 0 ? after.slice(0, -1) : after;
        const diff = unifiedDiff("cfg.kdl", before, next);
        const a = before === "" ? [] : before.split(/(?<=\n)/);
        const b = next === "" ? [] : next.split(/(?<=\n)/);
        expect(diff.added + diff.removed).toBe(a.length + b.length - 2 * lcs(a, b));
        writeFileSync(join(dir, "cfg.kdl"), before);
        writeFileSync(join(dir, "p.diff"), diff.text);
        if (diff.text !== "") {
          execFileSync("patch", ["-s", "-p1", "-i", "p.diff"], { cwd: dir, stdio: "pipe" });
        }
        expect(readFileSync(join(dir, "cfg.kdl"), "utf8")).toBe(next);
      }),
      { numRuns: 150 },
    );
  });

  it("handles a complete rewrite of a 5,000-line file", () => {
    const before = Array.from({ length: 5000 }, (_, i) => `old ${i}\n`).join("");
    const after = Array.from({ length: 5000 }, (_, i) => `new ${i}\n`).join("");
    const started = performance.now();
    const diff = unifiedDiff("big.kdl", before, after);
    expect(performance.now() - started).toBeLessThan(5000);
    expect([diff.added, diff.removed]).toEqual([5000, 5000]);
  });

  it("stays fast on a large file with scattered edits", () => {
    const big = Array.from({ length: 20_000 }, (_, i) => `line ${i}\n`);
    const edited = big.map((l, i) => (i % 400 === 0 ? `changed ${i}\n` : l));
    const started = performance.now();
    const diff = unifiedDiff("big.kdl", big.join(""), edited.join(""));
    expect(performance.now() - started).toBeLessThan(2000);
    expect([diff.added, diff.removed]).toEqual([50, 50]);
  });
});

describe("diffFiles", () => {
  it("diffs file maps in path order with per-file counts", () => {
    const result = diffFiles(
      { "zentinel.kdl": "a\nb\n", "old.kdl": "x\n", "same.kdl": "s\n" },
      { "zentinel.kdl": "a\nc\n", "new.kdl": "y\nz\n", "same.kdl": "s\n" },
    );
    expect(result.files).toEqual([
      { path: "new.kdl", status: "added", added: 2, removed: 0 },
      { path: "old.kdl", status: "removed", added: 0, removed: 1 },
      { path: "zentinel.kdl", status: "modified", added: 1, removed: 1 },
    ]);
    expect([result.added, result.removed]).toEqual([3, 2]);
    expect(result.text).toBe(
      "--- /dev/null\n+++ b/new.kdl\n@@ -0,0 +1,2 @@\n+y\n+z\n" +
        "--- a/old.kdl\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n" +
        "--- a/zentinel.kdl\n+++ b/zentinel.kdl\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n",
    );
  });

  it("returns nothing for identical maps", () => {
    expect(diffFiles({ a: "1\n" }, { a: "1\n" })).toEqual({
      text: "",
      files: [],
      added: 0,
      removed: 0,
    });
  });
});
