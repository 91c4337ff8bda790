import { type CronTask, registerCronTask } from "../cron";
import { nudgeRollouts } from "./watchdog";

/** A scheduled rollout still waiting this long after its start time is nudged. */
export const SCHEDULED_START_GRACE_MS = 30_000;
/** Rollouts nudged per run, the longest overdue first. */
export const SCHEDULED_ROLLOUTS_LIMIT = 100;

/** Ids of `scheduled` rollouts whose `scheduled_at` passed more than the grace period ago. */
export async function selectDueScheduledRollouts(
  d1: D1Database,
  now: number,
  limit: number = SCHEDULED_ROLLOUTS_LIMIT,
): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT id FROM rollouts
       WHERE state = 'scheduled' AND scheduled_at IS NOT NULL AND scheduled_at < ?
       ORDER BY scheduled_at
       LIMIT ?`,
    )
    .bind(now - SCHEDULED_START_GRACE_MS, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * Due scheduled rollouts. RolloutDO arms its alarm for `scheduled_at` when the rollout is
 * created, and starts it from that alarm; this task is the safety net for an alarm that never
 * fired: a rollout still `scheduled` 30 s after its start time gets `ensureAlarm()`, which runs
 * the overdue tick (and so the start, re-checking approvals, freezes and the bundle).
 */
export const scheduledRolloutsTask: CronTask = {
  name: "scheduled-rollouts",
  async run(services, scheduledTime) {
    const ids = await selectDueScheduledRollouts(services.d1, scheduledTime);
    const { nudged, failed } = await nudgeRollouts(services, ids);
    if (failed.length > 0) {
      throw new Error(`could not start scheduled rollouts ${failed.join(", ")}`);
    }
    return { due: ids.length, nudged };
  },
};

registerCronTask(scheduledRolloutsTask);
