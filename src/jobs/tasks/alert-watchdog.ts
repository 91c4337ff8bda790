import type { Services } from "../../services";
import { ALERT_EVAL_INTERVAL_MS } from "../../services/alert-evaluation";
import { armEvaluator } from "../../services/alert-rules";
import { type CronTask, registerCronTask } from "../cron";

/** A project whose last evaluation is older than this (3 periods) has lost its alarm. */
export const ALERT_WATCHDOG_GRACE_MS = 3 * ALERT_EVAL_INTERVAL_MS;
/** Projects re-armed per run. */
export const ALERT_WATCHDOG_LIMIT = 100;
/** Alert history and WAF anomalies older than this are deleted. */
export const ALERT_HISTORY_RETENTION_MS = 90 * 24 * 3_600_000;

/**
 * Projects with enabled rules that were never evaluated or not within the grace period (an
 * alarm lost to a deploy or exhausted retries).
 */
export async function overdueAlertProjects(
  d1: D1Database,
  now: number,
  limit: number = ALERT_WATCHDOG_LIMIT,
): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT project_id FROM alert_rules WHERE enabled = 1
       GROUP BY project_id
       HAVING MAX(COALESCE(last_evaluated_at, 0)) < ?
       LIMIT ?`,
    )
    .bind(now - ALERT_WATCHDOG_GRACE_MS, limit)
    .all<{ project_id: string }>();
  return results.map((r) => r.project_id);
}

/** Deletes alert history and WAF anomalies past retention; returns the rows removed. */
async function pruneHistory(services: Services, now: number): Promise<number> {
  const cutoff = now - ALERT_HISTORY_RETENTION_MS;
  const [history, anomalies] = await services.d1.batch([
    services.d1.prepare("DELETE FROM alert_history WHERE at < ?").bind(cutoff),
    services.d1.prepare("DELETE FROM waf_anomalies WHERE detected_at < ?").bind(cutoff),
  ]);
  return (history?.meta.changes ?? 0) + (anomalies?.meta.changes ?? 0);
}

/**
 * Alert watchdog: each project's AlertEvaluatorDO runs on its own 30 s alarm; this re-arms the
 * ones that went quiet, and prunes old alert history.
 */
export const alertWatchdogTask: CronTask = {
  name: "alert-watchdog",
  async run(services, scheduledTime) {
    const projects = await overdueAlertProjects(services.d1, scheduledTime);
    for (const projectId of projects) {
      await armEvaluator(services, projectId);
    }
    const pruned = await pruneHistory(services, scheduledTime);
    return { rearmed: projects.length, pruned };
  },
};

registerCronTask(alertWatchdogTask);
