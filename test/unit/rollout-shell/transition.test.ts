import { describe, expect, it } from "vitest";
import type { ShellMeta } from "../../../durable-objects/rollout/storage";
import {
  deferStart,
  ENGINE_CALLER,
  engineFailureWork,
  planCommit,
  startsRollout,
} from "../../../durable-objects/rollout/transition";
import type { D1Write, WorkItem } from "../../../durable-objects/rollout/work";
import type { RolloutEvent } from "../../../src/domain/rollout";
import { BUNDLE, CREATOR, create, obs, PREV, send, T0, tick } from "../rollout/helpers";

const META: ShellMeta = {
  rolloutId: "r1",
  projectId: "p1",
  orgId: "o1",
  steps: 1,
  lastTickAt: null,
  nextTickWritten: null,
  deferredUntil: null,
  deferredBy: null,
  wakeAt: null,
  engineError: false,
  outboxSeq: 0,
};

const writesOf = (work: readonly WorkItem[]): D1Write[] =>
  work.flatMap((w) => (w.kind === "d1" ? w.writes : []));

describe("planCommit", () => {
  it("records an approval row only for an applied approval", () => {
    const pending = create(2, { strategy: "all_at_once" }, { approvalsRequired: 2 }).rollout;
    const event: RolloutEvent = { type: "approve", userId: "u2", comment: "fine" };
    const caller = { actor: { type: "user" as const, id: "u2" }, requestId: "req" };
    const applied = send(pending, event, T0 + 1);
    const commit = planCommit({
      before: pending,
      result: applied,
      event,
      caller,
      meta: META,
      now: T0 + 1,
    });
    expect(writesOf(commit.work)).toContainEqual(
      expect.objectContaining({
        op: "approval",
        actorId: "u2",
        decision: "approve",
        comment: "fine",
      }),
    );
    const selfEvent: RolloutEvent = { type: "approve", userId: CREATOR };
    const refused = send(pending, selfEvent, T0 + 1);
    expect(refused.outcome.kind).toBe("refused");
    const none = planCommit({
      before: pending,
      result: refused,
      event: selfEvent,
      caller,
      meta: META,
      now: T0 + 1,
    });
    expect(writesOf(none.work).filter((w) => w.op === "approval")).toEqual([]);
  });

  it("tracks the tick time and what D1's next_tick_at says", () => {
    const created = create(2, { strategy: "all_at_once" });
    const event: RolloutEvent = {
      type: "tick",
      observations: { bundle: { revoked: false }, nodes: [], baseline: [] },
    };
    const result = tick(created.rollout, T0 + 1);
    const commit = planCommit({
      before: created.rollout,
      result,
      event,
      caller: ENGINE_CALLER,
      meta: META,
      now: T0 + 1,
    });
    expect(commit.patch).toMatchObject({ lastTickAt: T0 + 1, wakeAt: result.wakeAt });
    // The step was assigned: the rollout row is written, with next_tick_at.
    expect(writesOf(commit.work).find((w) => w.op === "rollout")).toMatchObject({
      nextTickAt: T0 + 1 + 5_000,
    });
    expect(commit.patch.nextTickWritten).toBe(T0 + 1 + 5_000);
  });

  it("writes a canary's interim analysis to its step row while it is being analysed", () => {
    let r = create(20, {
      strategy: "canary",
      canary: { steps: [25, 100], analysis_window_seconds: 60, max_analysis_seconds: 120 },
    }).rollout;
    r = tick(r, T0 + 1).rollout;
    r = tick(r, T0 + 5_000, (id) => obs(id, BUNDLE, T0 + 5_000)).rollout;
    expect(r.state === "running" && r.step.phase).toBe("analysing");
    const now = T0 + 10_000;
    const result = tick(r, now, (id) => obs(id, id < "n05" ? BUNDLE : PREV, now));
    const event: RolloutEvent = {
      type: "tick",
      observations: { bundle: { revoked: false }, nodes: [], baseline: [] },
    };
    const commit = planCommit({ before: r, result, event, caller: ENGINE_CALLER, meta: META, now });
    expect(writesOf(commit.work)).toContainEqual(
      expect.objectContaining({
        op: "step",
        step: expect.objectContaining({
          state: "analysing",
          analysis: expect.objectContaining({ verdict: "hold" }),
        }),
      }),
    );
  });

  it("rewrites the rollout row once after an engine failure was recorded", () => {
    const created = create(2, { strategy: "all_at_once" }, { approvalsRequired: 1 });
    const event: RolloutEvent = {
      type: "tick",
      observations: { bundle: { revoked: false }, nodes: [], baseline: [] },
    };
    const result = tick(created.rollout, T0 + 1);
    expect(result.outcome.kind).toBe("ignored");
    const meta = { ...META, engineError: true };
    const commit = planCommit({
      before: created.rollout,
      result,
      event,
      caller: ENGINE_CALLER,
      meta,
      now: T0 + 1,
    });
    expect(writesOf(commit.work).map((w) => w.op)).toEqual(["rollout"]);
    expect(commit.patch.engineError).toBe(false);
  });
});

describe("freeze windows and failures", () => {
  it("detects starts and announces a deferral once per window", () => {
    const scheduled = create(2, { strategy: "all_at_once" }, { scheduledAt: T0 + 1_000 }).rollout;
    const started = tick(scheduled, T0 + 2_000).rollout;
    expect(startsRollout(scheduled, started)).toBe(true);
    expect(startsRollout(started, started)).toBe(false);
    const window = { id: "w1", name: "Peak", endsAt: T0 + 60_000 };
    const first = deferStart(scheduled, META, window, T0 + 2_000);
    expect(first.patch).toEqual({
      lastTickAt: T0 + 2_000,
      deferredUntil: T0 + 60_000,
      deferredBy: "w1",
    });
    expect(first.work).toHaveLength(1);
    expect(deferStart(scheduled, { ...META, deferredBy: "w1" }, window, T0 + 3_000).work).toEqual(
      [],
    );
  });

  it("records an engine failure as a row error and a critical event", () => {
    const work = engineFailureWork("r1", "boom", 4, T0);
    expect(writesOf(work)).toEqual([
      expect.objectContaining({
        op: "engine_error",
        error: expect.objectContaining({ reason: "engine_error" }),
      }),
    ]);
    expect(work[1]).toMatchObject({
      kind: "audit",
      events: [{ type: "rollout.tick_failed", severity: "critical" }],
    });
  });
});
