import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_NODE_SHARD_COUNT,
  fnv1a32,
  groupByShard,
  MAX_NODE_SHARD_COUNT,
  shardFor,
  shardIndex,
} from "../../../src/domain/node-shard";

describe("shardFor", () => {
  it("names the shard <project>:<index> with index = FNV-1a(node) mod count", () => {
    // FNV-1a 32 reference values: "" → 0x811c9dc5, "a" → 0xe40c292c.
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(shardFor("p1", "a", 16)).toBe(`p1:${0xe40c292c % 16}`);
  });

  it("is stable and within range for any ids and counts", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.integer({ min: 1, max: MAX_NODE_SHARD_COUNT }),
        (project, node, count) => {
          const name = shardFor(project, node, count);
          expect(shardFor(project, node, count)).toBe(name);
          const index = shardIndex(node, count);
          expect(index).toBeGreaterThanOrEqual(0);
          expect(index).toBeLessThan(count);
          expect(name).toBe(`${project}:${index}`);
        },
      ),
    );
  });

  it("spreads uuid node ids evenly over the default shard count", () => {
    const counts = new Array<number>(DEFAULT_NODE_SHARD_COUNT).fill(0);
    const total = 16_000;
    for (let i = 0; i < total; i++) {
      const id = `5f0c6a8e-9a51-4c1e-8c1e-${i.toString(16).padStart(12, "0")}`;
      counts[shardIndex(id, DEFAULT_NODE_SHARD_COUNT)] =
        (counts[shardIndex(id, DEFAULT_NODE_SHARD_COUNT)] ?? 0) + 1;
    }
    const mean = total / DEFAULT_NODE_SHARD_COUNT;
    for (const n of counts) {
      expect(Math.abs(n - mean) / mean).toBeLessThan(0.15);
    }
  });

  it("rejects a shard count outside 1..MAX", () => {
    for (const bad of [0, -1, 1.5, MAX_NODE_SHARD_COUNT + 1, Number.NaN]) {
      expect(() => shardFor("p", "n", bad)).toThrow(RangeError);
    }
  });

  it("groups node ids by the shard serving them, keeping every id once", () => {
    const ids = Array.from({ length: 200 }, (_, i) => `node-${i}`);
    const groups = groupByShard("proj", ids, 8);
    expect([...groups.values()].flat().sort()).toEqual([...ids].sort());
    for (const [name, members] of groups) {
      for (const id of members) {
        expect(shardFor("proj", id, 8)).toBe(name);
      }
    }
  });
});
