import { describe, expect, it } from "vitest";
import { EMPTY_OBSERVATIONS, observationScope, reduceRollout } from "../../../src/domain/rollout";
import { CREATOR, commandsOf, create, expectState, send, T0 } from "./helpers";

describe("approvals", () => {
  it("needs N approvals from distinct users other than the creator", () => {
    const created = create(4, {}, { approvalsRequired: 2 });
    expect(created.wakeAt).toBeNull();
    let r = expectState(created.rollout, "pending_approval");
    expect(observationScope(r)).toEqual({ nodeIds: [], baselineNodeIds: [] });

    const self = send(r, { type: "approve", userId: CREATOR }, T0 + 1);
    expect(self.outcome).toEqual({
      kind: "refused",
      code: "forbidden",
      message: "the creator of a rollout cannot approve it",
    });

    const first = send(r, { type: "approve", userId: "alice", comment: "lgtm" }, T0 + 2);
    r = expectState(first.rollout, "pending_approval");
    expect(r.approvals).toEqual([{ userId: "alice", at: T0 + 2, comment: "lgtm" }]);
    expect(commandsOf(first, "audit")).toMatchObject([
      { action: "rollout.approved", actor: "alice" },
    ]);

    const again = send(r, { type: "approve", userId: "alice" }, T0 + 3);
    expect(again.outcome.kind).toBe("ignored");
    expect(again.rollout).toBe(r);

    const second = send(r, { type: "approve", userId: "bob" }, T0 + 4);
    const running = expectState(second.rollout, "running");
    expect(running.startedAt).toBe(T0 + 4);
    expect(second.wakeAt).toBe(T0 + 4);
    expect(commandsOf(second, "audit").map((a) => a.action)).toEqual([
      "rollout.approved",
      "rollout.started",
    ]);
  });

  it("needs a comment to reject, and a rejection cancels the rollout", () => {
    const r = create(4, {}, { approvalsRequired: 1 }).rollout;
    const blank = send(r, { type: "reject", userId: "alice", comment: "   " }, T0 + 1);
    expect(blank.outcome).toMatchObject({ kind: "refused", code: "invalid_input" });
    const rejected = send(
      r,
      { type: "reject", userId: "alice", comment: " breaks checkout " },
      T0 + 2,
    );
    const cancelled = expectState(rejected.rollout, "cancelled");
    expect(cancelled.cancellation).toEqual({
      kind: "rejected",
      actor: "alice",
      comment: "breaks checkout",
    });
    expect(cancelled.counts).toMatchObject({ pending: 0, skipped: 4 });
    expect(commandsOf(rejected, "audit")).toMatchObject([
      { action: "rollout.rejected", actor: "alice", details: { comment: "breaks checkout" } },
    ]);
    expect(rejected.wakeAt).toBeNull();
  });

  it("waits for the scheduled time once approved", () => {
    const at = T0 + 3_600_000;
    const r = create(4, {}, { approvalsRequired: 1, scheduledAt: at }).rollout;
    const approved = send(r, { type: "approve", userId: "alice" }, T0 + 10);
    const scheduled = expectState(approved.rollout, "scheduled");
    expect(approved.wakeAt).toBe(at);
    const tick = { type: "tick", observations: EMPTY_OBSERVATIONS } as const;
    expect(reduceRollout(scheduled, tick, at - 1).outcome).toEqual({
      kind: "ignored",
      reason: "not due yet",
    });
    expect(send(scheduled, { type: "start", actor: "cron" }, at - 1).outcome.kind).toBe("ignored");
    const started = send(scheduled, { type: "start", actor: "cron" }, at);
    expect(expectState(started.rollout, "running").step).toEqual({ phase: "starting", index: 0 });
    expect(reduceRollout(scheduled, tick, at + 5).rollout.state).toBe("running");
  });

  it("fails a rollout whose bundle is revoked before it starts, assigning nothing", () => {
    const r = create(4, {}, { scheduledAt: T0 + 60_000 }).rollout;
    const revoked = {
      type: "tick",
      observations: { ...EMPTY_OBSERVATIONS, bundle: { revoked: true } },
    } as const;
    const result = reduceRollout(r, revoked, T0 + 1000);
    expect(expectState(result.rollout, "failed").error.reason).toBe("bundle_revoked");
    expect(commandsOf(result, "assign")).toEqual([]);
    expect(commandsOf(result, "skip_pending_nodes")).toHaveLength(1);
  });
});
