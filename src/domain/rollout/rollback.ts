import type { Effects, NodeChange } from "./effects";
import { applyNodeChanges } from "./effects";
import type { NodeObservation, Observations } from "./events";
import { indexObservations } from "./node-progress";
import { failRollout, holdsAssignment, makeError } from "./transitions";
import type { Rollout, RolloutIn } from "./types";
import { baseOf } from "./types";

type RollingBack = RolloutIn<"rolling_back">;

/**
 * Unconfirmed nodes observed per rollback tick. Rolling back 10,000 nodes then costs at most
 * this many node reads per tick; the window rotates so silent nodes cannot starve the others.
 */
export const ROLLBACK_WINDOW_NODES = 500;

/** A node position in the plan. */
export interface PlanPosition {
  readonly step: number;
  readonly pos: number;
  readonly nodeId: string;
}

/**
 * The unconfirmed nodes to observe on the next rollback tick: up to
 * {@link ROLLBACK_WINDOW_NODES}, in plan order starting at the rollback cursor, wrapping around.
 */
export function rollbackWindow(r: RollingBack): PlanPosition[] {
  const window: PlanPosition[] = [];
  const { cursor } = r.rollback;
  const steps = r.entries.length;
  // Visit steps cursor.step … steps-1, 0 … cursor.step; the first and the repeated last visit
  // of cursor.step cover positions from and before cursor.pos respectively.
  for (let k = 0; k <= steps && window.length < ROLLBACK_WINDOW_NODES; k += 1) {
    const step = (cursor.step + k) % Math.max(steps, 1);
    const row = r.entries[step] ?? [];
    const from = k === 0 ? cursor.pos : 0;
    const to = k === steps ? Math.min(cursor.pos, row.length) : row.length;
    for (let pos = from; pos < to && window.length < ROLLBACK_WINDOW_NODES; pos += 1) {
      const entry = row[pos];
      const nodeId = r.plan[step]?.[pos];
      if (entry && nodeId !== undefined && holdsAssignment(entry)) {
        window.push({ step, pos, nodeId });
      }
    }
  }
  return window;
}

/** Whether the node confirmed running `previous` after the rollback started. */
function confirmsRestore(
  obs: NodeObservation | undefined,
  previous: string,
  since: number,
): boolean {
  if (!obs) {
    return false;
  }
  const heartbeat =
    obs.reportedActiveBundleId === previous &&
    obs.lastHeartbeatAt !== null &&
    obs.lastHeartbeatAt >= since;
  const report = obs.lastReport;
  const reported =
    report !== null &&
    report.bundleId === previous &&
    (report.kind === "activated" || report.kind === "verified") &&
    report.at >= since;
  return heartbeat || reported;
}

/** The position after `p` in plan order (wrapping to the start). */
function after(r: RollingBack, p: PlanPosition): { step: number; pos: number } {
  if (p.pos + 1 < (r.entries[p.step]?.length ?? 0)) {
    return { step: p.step, pos: p.pos + 1 };
  }
  return p.step + 1 < r.entries.length ? { step: p.step + 1, pos: 0 } : { step: 0, pos: 0 };
}

/**
 * One rollback tick: nodes in the window that report their previous bundle active (heartbeat
 * or explicit report received after the rollback started) become `rolled_back`. When none is
 * left the rollout is `rolled_back`; at the rollback deadline it fails (`rollback_incomplete`),
 * keeping the assignments so stragglers still converge when they return.
 */
export function tickRollingBack(
  r: RollingBack,
  obs: Observations,
  now: number,
  fx: Effects,
): Rollout {
  const window = rollbackWindow(r);
  const observations = indexObservations(obs.nodes);
  const changes: NodeChange[] = [];
  const unconfirmed: string[] = [];
  for (const p of window) {
    const entry = r.entries[p.step]?.[p.pos];
    const previous = entry?.prev == null ? null : (r.bundles[entry.prev] ?? null);
    if (
      entry &&
      previous !== null &&
      confirmsRestore(observations.get(p.nodeId), previous, r.rollback.startedAt)
    ) {
      changes.push({
        step: p.step,
        pos: p.pos,
        entry: { status: "rolled_back", prev: entry.prev, since: now },
      });
    } else {
      unconfirmed.push(p.nodeId);
    }
  }
  const next = applyNodeChanges(r, changes, fx);
  const remaining = r.rollback.remaining - changes.length;
  const last = window[window.length - 1];
  const cursor = last ? after(r, last) : r.rollback.cursor;
  if (remaining <= 0) {
    fx.record("rollout.rolled_back", "system", { cause: r.rollback.cause.kind });
    return {
      ...baseOf(next),
      updatedAt: now,
      state: "rolled_back",
      finishedAt: now,
      cause: r.rollback.cause,
    };
  }
  if (now >= r.rollback.deadlineAt) {
    const cause = r.rollback.cause;
    const message =
      `${remaining} node(s) did not confirm their previous bundle ` +
      `within ${r.spec.rollback_deadline_seconds} s`;
    const error = makeError("rollback_incomplete", message, r.lastStepIndex, unconfirmed, {
      remaining,
      cause: cause.kind,
      cause_reason: cause.kind === "automatic" ? cause.error.reason : null,
    });
    return failRollout(next, error, now, fx);
  }
  if (
    changes.length === 0 &&
    cursor.step === r.rollback.cursor.step &&
    cursor.pos === r.rollback.cursor.pos
  ) {
    return next;
  }
  return { ...next, updatedAt: now, rollback: { ...r.rollback, remaining, cursor } };
}
