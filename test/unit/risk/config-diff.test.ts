import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  changedFields,
  diffCollection,
  diffConfigs,
  isEmptyDiff,
  jsonEqual,
} from "../../../src/domain/config-diff";
import { agent, config, filter, listener, manyRoutes, route, upstream } from "./builders";

describe("jsonEqual", () => {
  it("ignores object key order and compares arrays by position", () => {
    expect(jsonEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });

  it("agrees with canonical JSON equality on arbitrary JSON (property)", () => {
    const canonical = (v: unknown): string =>
      JSON.stringify(v, (_k, value: unknown) =>
        value !== null && typeof value === "object" && !Array.isArray(value)
          ? Object.fromEntries(
              Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
            )
          : value,
      );
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(jsonEqual(a, b)).toBe(canonical(a) === canonical(b));
        expect(jsonEqual(a, structuredClone(a))).toBe(true);
      }),
    );
  });
});

describe("diffConfigs", () => {
  it("finds nothing between a config and its copy", () => {
    const a = config({ agents: [agent("auth", { type: "auth" })], filters: [filter("f")] });
    const diff = diffConfigs(a, structuredClone(a));
    expect(isEmptyDiff(diff)).toBe(true);
    expect(diff.routes).toEqual({ added: [], removed: [], changed: [] });
  });

  it("reports added, removed and changed items with the changed field names", () => {
    const before = config({
      routes: [route("api"), route("old")],
      upstreams: [upstream("backend"), upstream("legacy")],
    });
    const after = config({
      routes: [
        route("api", { upstream: "v2", policies: { auth: true } }),
        route("new"),
        route("zeta"),
      ],
      upstreams: [upstream("backend", { targets: [{ address: "10.0.0.1:80", weight: 2 }] })],
      listeners: [listener("http"), listener("https", { tls: true })],
    });
    const diff = diffConfigs(before, after);
    expect(diff.routes).toEqual({
      added: ["new", "zeta"],
      removed: ["old"],
      changed: [{ id: "api", fields: ["upstream", "policies"] }],
    });
    expect(diff.upstreams).toEqual({
      added: [],
      removed: ["legacy"],
      changed: [{ id: "backend", fields: ["targets"] }],
    });
    expect(diff.listeners.added).toEqual(["https"]);
    expect(diff.globals).toEqual([]);
    expect(isEmptyDiff(diff)).toBe(false);
  });

  it("matches items by qualified id, not position", () => {
    const routes = manyRoutes(5);
    const diff = diffConfigs(config({ routes }), config({ routes: [...routes].reverse() }));
    expect(isEmptyDiff(diff)).toBe(true);
  });

  it("names changed global blocks, including blocks that appear", () => {
    const before = config();
    const after = config({
      waf: { engine: "coraza", mode: "prevention", paranoiaLevel: 1 },
      system: { ...before.system, workerThreads: 4 },
    });
    expect(diffConfigs(before, after).globals).toEqual(["system", "waf"]);
  });

  it("treats a missing baseline as everything added", () => {
    const diff = diffConfigs(null, config());
    expect(diff.routes.added).toEqual(["api"]);
    expect(diff.upstreams.added).toEqual(["backend"]);
    expect(diff.listeners.added).toEqual(["http"]);
    expect(diff.globals).toEqual(["system"]);
  });

  it("keeps repeated ids apart instead of dropping them", () => {
    const diff = diffCollection([route("a")], [route("a"), route("a", { priority: 1 })]);
    expect(diff.added).toEqual(["a#2"]);
    expect(diff.changed).toEqual([]);
  });
});

describe("changedFields", () => {
  it("lists fields present on one side only", () => {
    expect(changedFields({ a: 1, b: 2 }, { a: 1, c: 3 })).toEqual(["b", "c"]);
  });
});
