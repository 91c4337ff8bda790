import { assertNever } from "../assert";
import type { ReduceResult, RolloutCommand } from "./commands";
import { Effects } from "./effects";
import type { RolloutEvent } from "./events";
import type { Handled } from "./outcome";
import { applied, ignored, refused } from "./outcome";
import { tickRollingBack } from "./rollback";
import { onPaused, onRunning } from "./running";
import { summarize } from "./summary";
import {
  beginRunning,
  cancelRollout,
  failRollout,
  hasRollbackTargets,
  makeError,
  operatorCancellation,
  startRollback,
} from "./transitions";
import type { Rollout, RolloutIn } from "./types";

/** Tick interval while a rollout is running or rolling back. */
export const TICK_INTERVAL_MS = 5_000;

/** Tick interval while paused: only a revoked bundle is watched for. */
export const PAUSED_TICK_INTERVAL_MS = 30_000;

/**
 * The rollout reducer: applies one event at time `now` (epoch ms) and returns the new state,
 * the commands the shell must execute, when to tick next and how the event was treated.
 * Pure: no I/O, no clock, and `rollout` is never mutated.
 */
export function reduceRollout(rollout: Rollout, event: RolloutEvent, now: number): ReduceResult {
  const fx = new Effects(rollout.id, rollout.bundleId);
  const handled = dispatch(rollout, event, now, fx);
  let next = handled.rollout;
  const commands: RolloutCommand[] = [...fx.commands];
  if (fx.nodeUpdates.length > 0) {
    // A node can change twice in one reduction (active, then verified): keep its last update.
    const last = new Map(fx.nodeUpdates.map((u) => [u.nodeId, u]));
    commands.push({ type: "persist_nodes", updates: [...last.values()] });
  }
  if (next !== rollout && summaryKey(next) !== summaryKey(rollout)) {
    next = next.updatedAt === now ? next : { ...next, updatedAt: now };
    commands.push({ type: "persist_rollout", summary: summarize(next) });
  }
  const wake = nextWakeAt(next, now);
  return {
    rollout: next,
    commands,
    wakeAt: wake !== null && fx.wakeSoon ? now : wake,
    outcome: handled.outcome,
  };
}

/** The summary without its timestamp, to detect whether the rollout row must be written. */
function summaryKey(r: Rollout): string {
  const { updatedAt: _ignored, ...rest } = summarize(r);
  return JSON.stringify(rest);
}

/**
 * When the shell should run the next tick for a rollout in this state: `null` when nothing is
 * time-driven (awaiting approval, terminal), the scheduled time, at once when a step is about
 * to assign its nodes, else one tick interval from now.
 */
export function nextWakeAt(r: Rollout, now: number): number | null {
  switch (r.state) {
    case "pending_approval":
      return null;
    case "scheduled":
      return Math.max(now, r.scheduledAt ?? now);
    case "running":
      return r.step.phase === "starting" ? now : now + TICK_INTERVAL_MS;
    case "paused":
      return now + PAUSED_TICK_INTERVAL_MS;
    case "rolling_back":
      return now + TICK_INTERVAL_MS;
    case "completed":
    case "failed":
    case "cancelled":
    case "rolled_back":
      return null;
    default:
      return assertNever(r, "rollout state");
  }
}

function dispatch(r: Rollout, event: RolloutEvent, now: number, fx: Effects): Handled {
  switch (r.state) {
    case "pending_approval":
      return onPendingApproval(r, event, now, fx);
    case "scheduled":
      return onScheduled(r, event, now, fx);
    case "running":
      return onRunning(r, event, now, fx);
    case "paused":
      return onPaused(r, event, now, fx);
    case "rolling_back":
      return onRollingBack(r, event, now, fx);
    case "completed":
    case "failed":
    case "cancelled":
    case "rolled_back":
      return onTerminal(r, event, now, fx);
    default:
      return assertNever(r, "rollout state");
  }
}

const revoked = () => makeError("bundle_revoked", "the bundle was revoked", null);

function onPendingApproval(
  r: RolloutIn<"pending_approval">,
  event: RolloutEvent,
  now: number,
  fx: Effects,
): Handled {
  switch (event.type) {
    case "tick":
      if (event.observations.bundle.revoked) {
        return applied(failRollout(r, revoked(), now, fx));
      }
      return ignored(r, "awaiting approvals");
    case "node_report":
      return ignored(r, "not started");
    case "pause":
    case "resume":
    case "promote":
    case "start":
      return refused(r, "invalid_state", "the rollout is awaiting approval");
    case "rollback":
      return refused(r, "invalid_state", "nothing to roll back; cancel the rollout instead");
    case "cancel":
      return applied(cancelRollout(r, operatorCancellation(event), now, fx));
    case "approve": {
      if (event.userId === r.createdBy) {
        return refused(r, "forbidden", "the creator of a rollout cannot approve it");
      }
      if (r.approvals.some((a) => a.userId === event.userId)) {
        return ignored(r, "already approved by this user");
      }
      const approvals = [
        ...r.approvals,
        { userId: event.userId, at: now, comment: event.comment ?? null },
      ];
      fx.record("rollout.approved", event.userId, {
        approvals: approvals.length,
        required: r.approvalsRequired,
        comment: event.comment ?? null,
      });
      const approved = { ...r, approvals, updatedAt: now };
      if (approvals.length < r.approvalsRequired) {
        return applied(approved);
      }
      if (r.scheduledAt !== null && r.scheduledAt > now) {
        return applied({ ...approved, state: "scheduled" });
      }
      return applied(beginRunning(approved, event.userId, now, fx));
    }
    case "reject": {
      const comment = event.comment.trim();
      if (comment === "") {
        return refused(r, "invalid_input", "a rejection needs a comment");
      }
      return applied(cancelRollout(r, { kind: "rejected", actor: event.userId, comment }, now, fx));
    }
    default:
      return assertNever(event, "event");
  }
}

function onScheduled(
  r: RolloutIn<"scheduled">,
  event: RolloutEvent,
  now: number,
  fx: Effects,
): Handled {
  const due = r.scheduledAt === null || now >= r.scheduledAt;
  switch (event.type) {
    case "tick":
      if (event.observations.bundle.revoked) {
        return applied(failRollout(r, revoked(), now, fx));
      }
      return due ? applied(beginRunning(r, "system", now, fx)) : ignored(r, "not due yet");
    case "start":
      return due ? applied(beginRunning(r, event.actor, now, fx)) : ignored(r, "not due yet");
    case "node_report":
      return ignored(r, "not started");
    case "cancel":
      return applied(cancelRollout(r, operatorCancellation(event), now, fx));
    case "rollback":
      return refused(r, "invalid_state", "nothing to roll back; cancel the rollout instead");
    case "pause":
    case "resume":
    case "promote":
      return refused(r, "invalid_state", "the rollout has not started");
    case "approve":
    case "reject":
      return refused(r, "invalid_state", "the rollout is not awaiting approval");
    default:
      return assertNever(event, "event");
  }
}

function onRollingBack(
  r: RolloutIn<"rolling_back">,
  event: RolloutEvent,
  now: number,
  fx: Effects,
): Handled {
  switch (event.type) {
    case "tick":
      return applied(tickRollingBack(r, event.observations, now, fx));
    case "node_report":
      return ignored(r, "rollback progress is read from observations");
    case "rollback":
      return ignored(r, "already rolling back");
    case "start":
      return ignored(r, "already started");
    case "pause":
    case "resume":
    case "cancel":
    case "promote":
      return refused(r, "invalid_state", "the rollout is rolling back");
    case "approve":
    case "reject":
      return refused(r, "invalid_state", "the rollout is not awaiting approval");
    default:
      return assertNever(event, "event");
  }
}

function onTerminal(
  r: RolloutIn<"completed" | "failed" | "cancelled" | "rolled_back">,
  event: RolloutEvent,
  now: number,
  fx: Effects,
): Handled {
  switch (event.type) {
    case "tick":
    case "node_report":
    case "start":
      return ignored(r, `the rollout is ${r.state}`);
    case "rollback":
      if (r.state === "rolled_back") {
        return ignored(r, "already rolled back");
      }
      if (!hasRollbackTargets(r)) {
        return refused(r, "invalid_state", "no node holds this rollout's bundle");
      }
      return applied(
        startRollback(r, { kind: "manual", actor: event.actor, from: r.state }, now, fx),
      );
    case "cancel":
      return r.state === "cancelled"
        ? ignored(r, "already cancelled")
        : refused(r, "invalid_state", `the rollout is ${r.state}`);
    case "pause":
    case "resume":
    case "promote":
    case "approve":
    case "reject":
      return refused(r, "invalid_state", `the rollout is ${r.state}`);
    default:
      return assertNever(event, "event");
  }
}
