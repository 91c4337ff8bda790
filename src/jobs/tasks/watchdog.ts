import type { RolloutWatchdogTarget } from "../../rpc/rollout";
import type { Services } from "../../services";
import { type CronTask, registerCronTask } from "../cron";

export type { RolloutWatchdogTarget };

/** A rollout whose tick is overdue by more than this is nudged. */
export const WATCHDOG_GRACE_MS = 30_000;
/** Rollouts nudged per run; the rest follow on the next runs, most overdue first. */
export const WATCHDOG_LIMIT = 100;

/**
 * States in which RolloutDO runs on its alarm. `scheduled` is handled by the scheduled-rollouts
 * task (by `scheduled_at`), `pending_approval` waits for people, terminal states never tick.
 * `paused` and `rolling_back` do tick (paused re-checks its deadline; a rollback drives nodes).
 */
export const WATCHED_STATES = ["running", "paused", "rolling_back"] as const;

/** Ids of active rollouts whose `next_tick_at` is more than the grace period in the past. */
export async function selectOverdueRollouts(
  d1: D1Database,
  now: number,
  limit: number = WATCHDOG_LIMIT,
): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT id FROM rollouts
       WHERE state IN (${WATCHED_STATES.map(() => "?").join(", ")})
         AND next_tick_at IS NOT NULL AND next_tick_at < ?
       ORDER BY next_tick_at
       LIMIT ?`,
    )
    .bind(...WATCHED_STATES, now - WATCHDOG_GRACE_MS, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Outcome of nudging a set of rollouts. */
export interface NudgeResult {
  nudged: number;
  failed: string[];
}

/**
 * Calls `ensureAlarm()` on each rollout's Durable Object. One unreachable DO does not stop the
 * others; the failures are returned (and logged) so the task can report them.
 */
export async function nudgeRollouts(
  services: Pick<Services, "rollouts" | "logger">,
  ids: readonly string[],
): Promise<NudgeResult> {
  const failed: string[] = [];
  await Promise.all(
    ids.map(async (id) => {
      try {
        // Typed as the contract, so a change to RolloutDO's RPC breaks the build here.
        const target: RolloutWatchdogTarget = services.rollouts.get(
          services.rollouts.idFromName(id),
        );
        await target.ensureAlarm();
      } catch (err) {
        failed.push(id);
        services.logger.warn("rollout nudge failed", { rollout_id: id, error: String(err) });
      }
    }),
  );
  return { nudged: ids.length - failed.length, failed };
}

/**
 * Rollout watchdog: RolloutDO drives each rollout with its own alarm, and writes the next
 * expected tick to `rollouts.next_tick_at`. An alarm that was lost (a deploy, an exception that
 * exhausted alarm retries) would stall the rollout silently; this re-arms it. Throws after
 * nudging everything when some nudges failed, so the failure shows in the cron's metrics.
 */
export const rolloutWatchdogTask: CronTask = {
  name: "rollout-watchdog",
  async run(services, scheduledTime) {
    const ids = await selectOverdueRollouts(services.d1, scheduledTime);
    const { nudged, failed } = await nudgeRollouts(services, ids);
    if (failed.length > 0) {
      throw new Error(`could not nudge rollouts ${failed.join(", ")}`);
    }
    return { overdue: ids.length, nudged };
  },
};

registerCronTask(rolloutWatchdogTask);
