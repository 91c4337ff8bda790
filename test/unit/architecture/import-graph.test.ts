import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildImportGraph, importCycles, reachableFrom } from "./import-graph";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const graph = buildImportGraph(ROOT, ["src", "durable-objects"]);

/** The Worker's entry module re-exports the Durable Object classes (wrangler needs them there). */
const ENTRY = "src/index.ts";

const isDurableObject = (path: string) => path.startsWith("durable-objects/");

describe("import graph of src/ and durable-objects/", () => {
  it("has no cycle that runs through a Durable Object module", () => {
    const crossing = importCycles(graph).filter((cycle) => cycle.some(isDurableObject));
    expect(crossing).toEqual([]);
  });

  it("imports one way: only the entry module of src/ imports durable-objects/", () => {
    const offenders = [...graph]
      .filter(([from]) => from.startsWith("src/") && from !== ENTRY)
      .flatMap(([from, deps]) => deps.filter(isDurableObject).map((to) => `${from} -> ${to}`));
    expect(offenders).toEqual([]);
  });

  it("keeps the binding types a leaf: Env reaches no Durable Object, service or route", () => {
    for (const leaf of ["src/bindings.ts", "src/env.ts"]) {
      const reached = [...reachableFrom(graph, leaf)].filter(
        (m) =>
          isDurableObject(m) ||
          m.startsWith("src/services/") ||
          m.startsWith("src/api/") ||
          m.startsWith("src/jobs/"),
      );
      expect(reached, leaf).toEqual([]);
    }
  });

  it("finds a cycle when one exists (the checker itself can fail)", () => {
    const cyclic = new Map([
      ["src/a.ts", ["durable-objects/b.ts"]],
      ["durable-objects/b.ts", ["src/c.ts"]],
      ["src/c.ts", ["src/a.ts"]],
      ["src/d.ts", ["src/a.ts"]],
    ]);
    expect(importCycles(cyclic)).toEqual([["durable-objects/b.ts", "src/a.ts", "src/c.ts"]]);
    expect(importCycles(new Map([["src/x.ts", ["src/x.ts"]]]))).toEqual([["src/x.ts"]]);
  });

  it("sees the Durable Objects' imports of src/ (the graph is not empty)", () => {
    expect(graph.get("durable-objects/rollout-do.ts")).toContain("src/env.ts");
    expect(graph.get(ENTRY)).toContain("durable-objects/node-shard/index.ts");
  });
});
