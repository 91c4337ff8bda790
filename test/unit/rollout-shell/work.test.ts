import { describe, expect, it } from "vitest";
import {
  batchWrites,
  type CompileContext,
  compileCommands,
  type D1Write,
  eventSeverity,
  NODES_PER_WRITE,
  STATEMENTS_PER_BATCH,
  statementCount,
} from "../../../durable-objects/rollout/work";
import type { RolloutCommand } from "../../../src/domain/rollout";

const B = "b".repeat(64);
const PREV = "a".repeat(64);
const ids = (n: number, prefix = "n") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

const ctx: CompileContext = {
  actorFor: (id) => (id === "system" ? { type: "system", id: "engine" } : { type: "user", id }),
  requestId: "req-1",
  nextTickAt: 5_000,
  writeNextTick: false,
  error: null,
  now: 1_000,
};

const assign = (nodeId: string, bundleId = B, ifDesired: string | null = null): RolloutCommand => ({
  type: "assign",
  nodeId,
  bundleId,
  rollback: ifDesired !== null,
  ifDesiredBundleId: ifDesired,
});

describe("compileCommands", () => {
  it("groups consecutive node commands sharing a statement, in chunks of NODES_PER_WRITE", () => {
    const commands = [...ids(NODES_PER_WRITE + 10).map((id) => assign(id)), assign("x", PREV, B)];
    const work = compileCommands(commands, ctx);
    const writes = work.flatMap((w) => (w.kind === "d1" ? w.writes : []));
    expect(writes.map((w) => [w.op, "nodeIds" in w ? w.nodeIds.length : 0])).toEqual([
      ["assign", NODES_PER_WRITE],
      ["assign", 10],
      ["assign_if", 1],
    ]);
    expect(writes[2]).toMatchObject({ bundleId: PREV, ifDesiredBundleId: B, rollback: true });
  });

  it("groups a rollback's commands per previous bundle, wherever the nodes are in the plan", () => {
    const other = "c".repeat(64);
    const commands = ids(6).map((id, i) => assign(id, i % 2 === 0 ? PREV : other, B));
    const writes = compileCommands(commands, ctx).flatMap((w) => (w.kind === "d1" ? w.writes : []));
    expect(writes).toEqual([
      {
        op: "assign_if",
        bundleId: PREV,
        ifDesiredBundleId: B,
        rollback: true,
        nodeIds: ["n0", "n2", "n4"],
      },
      {
        op: "assign_if",
        bundleId: other,
        ifDesiredBundleId: B,
        rollback: true,
        nodeIds: ["n1", "n3", "n5"],
      },
    ]);
  });

  it("keeps a node's repeated commands in order (only neighbours are grouped then)", () => {
    const commands = [assign("n0"), assign("n1", PREV, B), assign("n0", PREV, B), assign("n2")];
    const writes = compileCommands(commands, ctx).flatMap((w) => (w.kind === "d1" ? w.writes : []));
    expect(writes.map((w) => ("nodeIds" in w ? [w.op, ...w.nodeIds] : [w.op]))).toEqual([
      ["assign", "n0"],
      ["assign_if", "n1", "n0"],
      ["assign", "n2"],
    ]);
  });

  it("puts D1 writes before audit appends; events ride with the audit entry before them", () => {
    const commands: RolloutCommand[] = [
      { type: "emit_event", event: "rollout.step_completed", payload: { step_index: 0 } },
      { type: "audit", action: "rollout.failed", actor: "system", details: {} },
      { type: "emit_event", event: "rollout.failed", payload: {} },
      { type: "skip_pending_nodes" },
      { type: "audit", action: "rollout.rollback_started", actor: "u1", details: {} },
    ];
    const work = compileCommands(commands, { ...ctx, writeNextTick: true });
    expect(work.map((w) => w.kind)).toEqual(["d1", "audit", "audit", "audit"]);
    const [d1, orphan, failed, rollback] = work;
    expect(d1).toEqual({
      kind: "d1",
      writes: [
        { op: "skip_pending", at: 1_000 },
        { op: "next_tick", nextTickAt: 5_000 },
      ],
    });
    expect(orphan).toMatchObject({ entry: null, events: [{ type: "rollout.step_completed" }] });
    expect(failed).toMatchObject({
      entry: { action: "rollout.failed", actor: { type: "system" } },
      events: [{ type: "rollout.failed", severity: "critical" }],
      requestId: "req-1",
    });
    expect(rollback).toMatchObject({ entry: { actor: { type: "user", id: "u1" } }, events: [] });
  });

  it("writes next_tick_at with the rollout row when there is one", () => {
    const summary = { id: "r", state: "running" } as never;
    const work = compileCommands([{ type: "persist_rollout", summary }], {
      ...ctx,
      writeNextTick: true,
    });
    expect(work).toEqual([{ kind: "d1", writes: [{ op: "rollout", summary, nextTickAt: 5_000 }] }]);
  });

  it("records the rollout error on the step it names", () => {
    const error = {
      reason: "deadline_exceeded" as const,
      message: "late",
      stepIndex: 1,
      nodeIds: [],
      details: {},
    };
    const step = (index: number, state: "failed" | "completed") => ({
      type: "persist_step" as const,
      step: { index, state, nodeCount: 2, startedAt: 0, finishedAt: 1, analysis: null },
    });
    const work = compileCommands([step(0, "completed"), step(1, "failed")], { ...ctx, error });
    const writes = work.flatMap((w) => (w.kind === "d1" ? w.writes : []));
    expect(writes.map((w) => (w.op === "step" ? w.error : "other"))).toEqual([null, error]);
  });
});

describe("batchWrites", () => {
  it("never puts more than STATEMENTS_PER_BATCH statements into one batch", () => {
    const writes: D1Write[] = ids(40).map((id, i) => ({
      op: "assign",
      bundleId: B,
      rollback: false,
      nodeIds: ids(NODES_PER_WRITE, `${id}-${i}-`),
    }));
    const batches = batchWrites(writes);
    for (const batch of batches) {
      const statements =
        batch.kind === "d1" ? batch.writes.reduce((n, w) => n + statementCount(w), 0) : 0;
      expect(statements).toBeLessThanOrEqual(STATEMENTS_PER_BATCH);
      expect(statements).toBeGreaterThan(0);
    }
    expect(batches.flatMap((b) => (b.kind === "d1" ? b.writes : []))).toEqual(writes);
  });
});

describe("eventSeverity", () => {
  it("marks failures critical, rollbacks and failed analyses as warnings", () => {
    expect(eventSeverity("rollout.failed", {})).toBe("critical");
    expect(eventSeverity("rollout.rolled_back", {})).toBe("warning");
    expect(eventSeverity("rollout.canary_analysis", { verdict: "fail" })).toBe("warning");
    expect(eventSeverity("rollout.canary_analysis", { verdict: "pass" })).toBe("info");
    expect(eventSeverity("rollout.completed", {})).toBe("info");
  });
});
