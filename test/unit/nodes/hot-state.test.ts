import { describe, expect, it } from "vitest";
import {
  applyReportWrite,
  type HotValues,
  jsonEqual,
  mergeHeartbeat,
  type NodeBaseline,
  seedHotNode,
} from "../../../src/domain/node-hot";

const T0 = 1_700_000_000_000;
const A = "a".repeat(64);
const B = "b".repeat(64);

const storedValues: HotValues = {
  last_seen_at: T0 - 30_000,
  last_heartbeat_at: T0 - 30_000,
  health: { status: "healthy" },
  metrics: { error_rate: 0.1 },
  active_bundle_id: A,
  staged_bundle_id: null,
  version: "1.0.0",
  hostname: "edge-1",
  metadata: { zone: "eu" },
};
const baseline: NodeBaseline = { projectId: "p1", status: "online", values: storedValues };

describe("mergeHeartbeat: top-level merge semantics", () => {
  it("keeps omitted fields, replaces health and metrics as a whole, resets metadata on null", () => {
    const { node } = mergeHeartbeat(
      "n1",
      null,
      baseline,
      { metrics: { latency_p99_ms: 40 }, metadata: null },
      T0,
    );
    expect(node.values).toEqual({
      ...storedValues,
      last_seen_at: T0,
      last_heartbeat_at: T0,
      metrics: { latency_p99_ms: 40 },
      metadata: {},
    });
    expect(node.nodeId).toBe("n1");
    expect(node.projectId).toBe("p1");
  });

  it("null clears a field, and the gate snapshot is the state after the merge", () => {
    const { node } = mergeHeartbeat("n1", null, baseline, { health: null, version: null }, T0);
    expect(node.values.health).toBeNull();
    expect(node.values.version).toBeNull();
    expect(node.lastHeartbeat).toEqual({
      at: T0,
      activeBundleId: A,
      stagedBundleId: null,
      health: null,
      metrics: { error_rate: 0.1 },
    });
  });

  it("merges onto the shard's own record, not the (older) D1 baseline, once it has one", () => {
    const first = mergeHeartbeat("n1", null, baseline, { active_bundle_id: B }, T0).node;
    const second = mergeHeartbeat("n1", first, baseline, { version: "2.0.0" }, T0 + 30_000);
    expect(second.node.values.active_bundle_id).toBe(B);
    expect(second.previous).toEqual({ activeBundleId: B, stagedBundleId: null });
    expect(second.node.revision).toBe(2);
  });
});

describe("mergeHeartbeat: change detection", () => {
  it("an identical heartbeat changes only the liveness columns and is not material", () => {
    const m = mergeHeartbeat(
      "n1",
      null,
      baseline,
      {
        health: { status: "healthy" },
        metrics: { error_rate: 0.1 },
        active_bundle_id: A,
        version: "1.0.0",
        metadata: { zone: "eu" },
      },
      T0,
    );
    expect(m.changed).toEqual(["last_seen_at", "last_heartbeat_at"]);
    expect(m.material).toBe(false);
    expect(m.node.materialAt).toBeNull();
    expect(m.node.pending).toEqual(["last_seen_at", "last_heartbeat_at"]);
  });

  it("new metrics or health details are pending but not material", () => {
    const m = mergeHeartbeat(
      "n1",
      null,
      baseline,
      { metrics: { error_rate: 0.3 }, health: { status: "healthy", checks: 3 } },
      T0,
    );
    expect(m.changed).toContain("metrics");
    expect(m.changed).toContain("health");
    expect(m.material).toBe(false);
  });

  it.each([
    ["active bundle", { active_bundle_id: B }],
    ["staged bundle", { staged_bundle_id: B }],
    ["version", { version: "1.0.1" }],
    ["hostname", { hostname: "edge-2" }],
    ["metadata", { metadata: { zone: "us" } }],
    ["health status", { health: { status: "degraded" } }],
    ["health cleared", { health: null }],
  ])("a change of %s is material and due from its heartbeat", (_, input) => {
    const m = mergeHeartbeat("n1", null, baseline, input, T0);
    expect(m.material).toBe(true);
    expect(m.node.materialAt).toBe(T0);
  });

  it("keeps the earliest material time until a flush clears it", () => {
    const first = mergeHeartbeat("n1", null, baseline, { version: "1.1" }, T0).node;
    const second = mergeHeartbeat("n1", first, baseline, { version: "1.2" }, T0 + 5_000).node;
    expect(second.materialAt).toBe(T0);
    expect(second.pending).toContain("version");
  });

  it("a node D1 does not show online makes the next flush set it online (material)", () => {
    for (const status of ["offline", "unknown"] as const) {
      const m = mergeHeartbeat("n1", null, { ...baseline, status }, {}, T0);
      expect(m.node.statusPending).toBe(true);
      expect(m.material).toBe(true);
    }
  });

  it("the first heartbeat ever is material (the dashboard shows it within one flush)", () => {
    const fresh = { ...baseline, values: { ...storedValues, last_heartbeat_at: null } };
    expect(mergeHeartbeat("n1", null, fresh, {}, T0).material).toBe(true);
  });

  it("records when the active bundle changed (start of a divergence)", () => {
    const first = mergeHeartbeat("n1", null, baseline, { active_bundle_id: B }, T0).node;
    expect(first.activeSince).toBe(T0);
    const again = mergeHeartbeat("n1", first, baseline, { active_bundle_id: B }, T0 + 30_000).node;
    expect(again.activeSince).toBe(T0);
  });

  it("key order inside an object is not a change", () => {
    const values = { ...storedValues, metadata: { a: 1, b: [1, { c: 2 }] } };
    const m = mergeHeartbeat(
      "n1",
      null,
      { ...baseline, values },
      { metadata: { b: [1, { c: 2 }], a: 1 } },
      T0,
    );
    expect(m.changed).not.toContain("metadata");
  });
});

describe("seedHotNode", () => {
  it("starts from D1's values with nothing pending; D1 was written at its last_seen_at", () => {
    const node = seedHotNode("n1", baseline);
    expect(node.pending).toEqual([]);
    expect(node.flushedAt).toBe(storedValues.last_seen_at);
    expect(node.lastHeartbeat).toBeNull();
  });
});

describe("applyReportWrite", () => {
  it("takes the values a report wrote to D1 without making anything pending", () => {
    const seeded = seedHotNode("n1", baseline);
    const after = applyReportWrite(seeded, {
      last_seen_at: T0,
      active_bundle_id: B,
      staged_bundle_id: null,
    });
    expect(after.values.active_bundle_id).toBe(B);
    expect(after.values.last_seen_at).toBe(T0);
    expect(after.pending).toEqual([]);
    expect(after.activeSince).toBe(T0);
    expect(after.revision).toBe(seeded.revision + 1);
  });

  it("a pending older value is replaced by the report's, so a flush cannot undo the report", () => {
    const hb = mergeHeartbeat("n1", null, baseline, { active_bundle_id: B }, T0).node;
    const after = applyReportWrite(hb, { last_seen_at: T0 + 1_000, active_bundle_id: A });
    expect(after.pending).toContain("active_bundle_id");
    expect(after.values.active_bundle_id).toBe(A);
  });
});

describe("applyReportWrite: staging", () => {
  it("activating the bundle the shard has staged consumes the staging", () => {
    const hb = mergeHeartbeat("n1", null, baseline, { staged_bundle_id: B }, T0).node;
    const after = applyReportWrite(hb, { last_seen_at: T0 + 1, active_bundle_id: B, consumes: B });
    expect(after.values.staged_bundle_id).toBeNull();
    const other = applyReportWrite(hb, { last_seen_at: T0 + 1, consumes: A });
    expect(other.values.staged_bundle_id).toBe(B);
  });
});

describe("jsonEqual", () => {
  it("compares structure", () => {
    expect(jsonEqual({ a: [1, 2] }, { a: [1, 2] })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
  });
});
