import { describe, expect, it } from "vitest";
import { flatten } from "../../../web/src/lib/flatten";
import { actorLabel, niceCeil } from "../../../web/src/lib/format";
import { tokenize } from "../../../web/src/lib/kdl-tokens";
import { sideBySide } from "../../../web/src/lib/unified-diff";

describe("sideBySide", () => {
  it("pairs removals with the additions after them and keeps context on both sides", () => {
    const unified = [
      "--- a/zentinel.kdl",
      "+++ b/zentinel.kdl",
      "@@ -1,4 +1,5 @@",
      " a",
      "-b",
      "-c",
      "+B",
      " d",
      "+e",
      "+f",
      "",
    ].join("\n");
    const [file] = sideBySide(unified);
    expect(file?.path).toBe("zentinel.kdl");
    const rows = (file?.rows ?? []).map((r) =>
      "hunk" in r
        ? r.hunk
        : `${r.left.n ?? "-"}:${r.left.text}|${r.right.n ?? "-"}:${r.right.text}`,
    );
    expect(rows).toEqual([
      "@@ -1,4 +1,5 @@",
      "1:a|1:a",
      "2:b|2:B",
      "3:c|-:",
      "4:d|3:d",
      "-:|4:e",
      "-:|5:f",
    ]);
  });

  it("reads content lines that look like headers as content, by hunk counts", () => {
    const unified = ["--- a/x.kdl", "+++ b/x.kdl", "@@ -1 +1 @@", "--- old", "+++ new", ""].join(
      "\n",
    );
    const files = sideBySide(unified);
    expect(files).toHaveLength(1);
    const row = files[0]?.rows[1];
    expect(row && !("hunk" in row) ? [row.left.text, row.right.text] : null).toEqual([
      "-- old",
      "++ new",
    ]);
  });

  it("names removed files by their old path and handles several files", () => {
    const unified = [
      "--- a/gone.kdl",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-x",
      "--- /dev/null",
      "+++ b/new.kdl",
      "@@ -0,0 +1 @@",
      "+y",
      "",
    ].join("\n");
    expect(sideBySide(unified).map((f) => f.path)).toEqual(["gone.kdl (removed)", "new.kdl"]);
  });

  it("returns nothing for identical files", () => {
    expect(sideBySide("")).toEqual([]);
  });
});

describe("tokenize (KDL highlighting)", () => {
  const classes = (line: string, inComment = false) =>
    tokenize(line, inComment).tokens.map((t) => `${t.cls ?? "_"}:${t.text}`);

  it("marks node names, strings, numbers, properties and keywords", () => {
    expect(classes('    target "10.0.0.1:80" weight=5 enabled=#true')).toEqual([
      "tk-node:    target",
      "_: ",
      'tk-string:"10.0.0.1:80"',
      "_: ",
      "tk-prop:weight",
      "_:=",
      "tk-number:5",
      "_: ",
      "tk-prop:enabled",
      "_:=",
      "tk-keyword:#true",
    ]);
  });

  it("carries block comments across lines", () => {
    const first = tokenize("a /* start", false);
    expect(first.inComment).toBe(true);
    const second = tokenize("still */ b", true);
    expect(second.inComment).toBe(false);
    expect(second.tokens[0]).toEqual({ cls: "tk-comment", text: "still */" });
  });

  it("keeps every character of the line", () => {
    const line = 'route "api" { // main\t';
    expect(
      tokenize(line, false)
        .tokens.map((t) => t.text)
        .join(""),
    ).toBe(line);
  });
});

describe("flatten (analysis numbers)", () => {
  it("turns nested numbers into dotted rows", () => {
    expect(
      flatten({
        p_values: { error_rate: 0.01234567, latency: null },
        counts: { canary_requests: 500 },
      }),
    ).toEqual([
      ["p_values.error_rate", "0.0123"],
      ["p_values.latency", "null"],
      ["counts.canary_requests", "500"],
    ]);
  });

  it("keeps scalar arrays on one row", () => {
    expect(flatten({ node_ids: ["a", "b"] })).toEqual([["node_ids", "a, b"]]);
  });
});

describe("niceCeil (chart axis)", () => {
  it("rounds up to 1, 2 or 5 times a power of ten", () => {
    expect([0.07, 0.2, 47.3, 78.3, 100, 101, 0].map(niceCeil)).toEqual([
      0.1, 0.2, 50, 100, 100, 200, 1,
    ]);
  });
});

describe("actorLabel", () => {
  it("shortens UUIDs and keeps readable ids", () => {
    expect(actorLabel("user:7c1e8a4e-2f3b-4b8e-9d61-0a7f0d2c5e11")).toBe("user 7c1e8a4e");
    expect(actorLabel("system:rollout-engine")).toBe("system rollout-engine");
    expect(actorLabel(null)).toBe("—");
  });
});
