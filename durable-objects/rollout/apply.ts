/**
 * Applying one event to a stored rollout: reduce, hold back a start during a freeze window,
 * commit the new state together with its work. Runs inside RolloutDO's `serial` queue; the
 * caller runs the outbox (`finish()`) afterwards.
 */
import { type Outcome, type RolloutEvent, reduceRollout } from "../../src/domain/rollout";
import { activeFreezeWindow } from "../../src/services/rollout-queries";
import type { Loaded, RolloutStore } from "./storage";
import { type Caller, deferStart, frozenOutcome, planCommit, startsRollout } from "./transition";

/** What applying an event produced, and how long the pure reduction took. */
export interface Applied {
  readonly outcome: Outcome;
  readonly reduceMs: number;
}

/**
 * Reduces `event` against `loaded` at `now` and commits the result. Operator starts during a
 * freeze window are refused (state unchanged); a due scheduled start (a tick) waits, still
 * `scheduled`, for the window's end.
 */
export async function applyEvent(
  d1: D1Database,
  store: RolloutStore,
  loaded: Loaded,
  event: RolloutEvent,
  caller: Caller,
  now: number,
): Promise<Applied> {
  const { rollout: before, meta } = loaded;
  const startedAt = performance.now();
  const result = reduceRollout(before, event, now);
  const reduceMs = performance.now() - startedAt;
  if (startsRollout(before, result.rollout)) {
    const window = await activeFreezeWindow(d1, meta.projectId, now);
    if (window !== null) {
      if (event.type !== "tick") {
        return { outcome: frozenOutcome(window), reduceMs };
      }
      const deferred = deferStart(before, meta, window, now);
      store.commit(before, before, deferred.patch, deferred.work);
      const reason = `start deferred by freeze window ${window.id}`;
      return { outcome: { kind: "ignored", reason }, reduceMs };
    }
  }
  const commit = planCommit({ before, result, event, caller, meta, now });
  store.commit(before, result.rollout, commit.patch, commit.work);
  return { outcome: result.outcome, reduceMs };
}
