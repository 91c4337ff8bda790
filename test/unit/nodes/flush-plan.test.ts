import { describe, expect, it } from "vitest";
import {
  completeFlush,
  dueAt,
  FLUSH_INTERVAL_MS,
  type FlushPolicy,
  flushPolicy,
  flushRow,
  type HotNode,
  type HotValues,
  MAX_LIVENESS_REFRESH_MS,
  mergeHeartbeat,
  type NodeBaseline,
  nextFlushAt,
  planFlush,
  STALENESS_MARGIN_MS,
} from "../../../src/domain/node-hot";

const T0 = 1_700_000_000_000;
const A = "a".repeat(64);

const values: HotValues = {
  last_seen_at: T0 - 30_000,
  last_heartbeat_at: T0 - 30_000,
  health: { status: "healthy" },
  metrics: { error_rate: 0.1 },
  active_bundle_id: A,
  staged_bundle_id: null,
  version: "1.0.0",
  hostname: null,
  metadata: {},
};
const baseline: NodeBaseline = { projectId: "p1", status: "online", values };
const policy = flushPolicy({ offlineAfterMs: 120_000, heartbeatIntervalMs: 30_000 });

const beat = (prev: HotNode | null, at: number, metrics = { error_rate: 0.1 }) =>
  mergeHeartbeat("n1", prev, baseline, { metrics, health: { status: "healthy" } }, at).node;

describe("flushPolicy", () => {
  it("refreshes liveness at most every minute", () => {
    expect(policy.livenessRefreshMs).toBe(MAX_LIVENESS_REFRESH_MS);
  });

  it("shrinks the refresh so D1 never looks older than the offline threshold", () => {
    for (const [offlineS, heartbeatS] of [
      [120, 30],
      [90, 30],
      [60, 10],
      [300, 60],
    ] as const) {
      const p = flushPolicy({
        offlineAfterMs: offlineS * 1000,
        heartbeatIntervalMs: heartbeatS * 1000,
      });
      // Worst age of D1's last_seen_at for a live node: one refresh, one flush interval, one
      // jittered heartbeat interval.
      const worstAge = p.livenessRefreshMs + p.flushIntervalMs + 1.1 * heartbeatS * 1000;
      expect(worstAge + STALENESS_MARGIN_MS).toBeLessThanOrEqual(offlineS * 1000);
    }
  });

  it("never refreshes more often than the flush interval", () => {
    const p = flushPolicy({ offlineAfterMs: 20_000, heartbeatIntervalMs: 30_000 });
    expect(p.livenessRefreshMs).toBe(FLUSH_INTERVAL_MS);
  });
});

describe("dueAt", () => {
  it("nothing pending: never due", () => {
    const flushed = completeFlush(beat(null, T0), flushRow(beat(null, T0)), T0);
    expect(dueAt(flushed, policy)).toBeNull();
  });

  it("liveness and metrics only: due one refresh after the last write", () => {
    const node = beat(null, T0, { error_rate: 0.5 });
    expect(node.materialAt).toBeNull();
    expect(dueAt(node, policy)).toBe((values.last_seen_at ?? 0) + policy.livenessRefreshMs);
  });

  it("a material change: due at once", () => {
    const node = mergeHeartbeat("n1", null, baseline, { version: "2" }, T0).node;
    expect(dueAt(node, policy)).toBe(T0);
  });

  it("a row D1 never had (no last_seen_at): due at once", () => {
    const fresh = { ...baseline, values: { ...values, last_seen_at: null } };
    const node = mergeHeartbeat("n1", null, fresh, {}, T0).node;
    expect(dueAt(node, policy)).toBe(T0);
  });
});

describe("nextFlushAt", () => {
  it("keeps one flush interval between flushes and never lies in the past", () => {
    expect(nextFlushAt({ earliestDue: T0, lastFlushAt: T0 - 3_000, now: T0, policy })).toBe(
      T0 - 3_000 + FLUSH_INTERVAL_MS,
    );
    expect(nextFlushAt({ earliestDue: T0 - 50_000, lastFlushAt: null, now: T0, policy })).toBe(T0);
    expect(
      nextFlushAt({ earliestDue: T0 + 40_000, lastFlushAt: T0 - 1_000, now: T0, policy }),
    ).toBe(T0 + 40_000);
    expect(nextFlushAt({ earliestDue: null, lastFlushAt: null, now: T0, policy })).toBeNull();
  });
});

describe("flushRow", () => {
  it("carries only the pending columns, the drift start and an unrecorded heartbeat sample", () => {
    const node = mergeHeartbeat(
      "n1",
      null,
      baseline,
      { active_bundle_id: "c".repeat(64) },
      T0,
    ).node;
    const row = flushRow(node);
    expect(row.set).toEqual({
      last_seen_at: T0,
      last_heartbeat_at: T0,
      active_bundle_id: "c".repeat(64),
    });
    expect(row.activeSince).toBe(T0);
    expect(row.seen).toBe(T0);
    expect(row.history?.at).toBe(T0);
  });

  it("a heartbeat already recorded in history is not sampled twice", () => {
    const node = beat(null, T0);
    const done = completeFlush(node, flushRow(node), T0 + 1_000);
    const { history } = flushRow({ ...done, pending: ["metrics"] });
    expect(history).toBeNull();
  });
});

describe("planFlush", () => {
  const nodes = (n: number) =>
    Array.from(
      { length: n },
      (_, i) => mergeHeartbeat(`n${i}`, null, baseline, { version: `v${i}` }, T0 + i).node,
    );

  it("chunks rows per statement and bounds the rows per flush", () => {
    const small: FlushPolicy = { ...policy, rowsPerStatement: 3, rowsPerBatch: 7 };
    const chunks = planFlush(nodes(10), small);
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 1]);
    expect(chunks.flat().map((r) => r.id)).toEqual(["n0", "n1", "n2", "n3", "n4", "n5", "n6"]);
  });

  it("bounds the bytes of one statement; a single oversized row still goes alone", () => {
    const big = mergeHeartbeat(
      "big",
      null,
      baseline,
      { metadata: { blob: "x".repeat(5_000) } },
      T0,
    ).node;
    const tiny: FlushPolicy = { ...policy, bytesPerStatement: 2_000 };
    const chunks = planFlush([...nodes(2), big, ...nodes(1)], tiny);
    expect(chunks.map((c) => c.map((r) => r.id))).toEqual([["n0", "n1"], ["big"], ["n0"]]);
  });

  it("no due rows, no chunks", () => {
    expect(planFlush([], policy)).toEqual([]);
  });
});

describe("completeFlush", () => {
  it("clears what was written and restarts the liveness clock", () => {
    const node = mergeHeartbeat("n1", null, baseline, { version: "2" }, T0).node;
    const done = completeFlush(node, flushRow(node), T0 + 4_000);
    expect(done.pending).toEqual([]);
    expect(done.materialAt).toBeNull();
    expect(done.statusPending).toBe(false);
    expect(done.flushedAt).toBe(T0 + 4_000);
    expect(done.sampledAt).toBe(T0);
    expect(dueAt(done, policy)).toBeNull();
  });

  it("keeps pending what merged while the flush was in flight", () => {
    const node = mergeHeartbeat("n1", null, baseline, { version: "2" }, T0).node;
    const row = flushRow(node);
    const newer = mergeHeartbeat("n1", node, baseline, { version: "3" }, T0 + 2_000).node;
    const done = completeFlush(newer, row, T0 + 4_000);
    expect(done.pending).toContain("version");
    expect(done.values.version).toBe("3");
    expect(dueAt(done, policy)).toBe(T0);
  });

  it("a steady node is written about once per refresh, not once per heartbeat", () => {
    let node: HotNode | null = null;
    let lastFlush: number | null = null;
    let writes = 0;
    // 10 minutes of heartbeats every 30 s; the shard flushes every 10 s when something is due.
    for (let t = T0; t < T0 + 600_000; t += 10_000) {
      if ((t - T0) % 30_000 === 0) {
        node = beat(node, t, { error_rate: Math.random() });
      }
      if (node === null) {
        continue;
      }
      const at = nextFlushAt({
        earliestDue: dueAt(node, policy),
        lastFlushAt: lastFlush,
        now: t,
        policy,
      });
      if (at !== null && at <= t) {
        node = completeFlush(node, flushRow(node), t);
        lastFlush = t;
        writes++;
      }
    }
    expect(writes).toBeGreaterThanOrEqual(8);
    expect(writes).toBeLessThanOrEqual(11);
  });
});
