/**
 * The SLI job (every 5 minutes, from the every-minute cron): for each SLO it computes SLI,
 * error budget remaining and burn rates from the rollups, stores them on the SLO and opens or
 * closes its page and ticket alerts. Each transition notifies exactly once: opening is an
 * INSERT that the partial unique index (one open alert per SLO and level) lets succeed once,
 * closing is an UPDATE of the open row, and only a statement that changed a row emits the
 * (audited) event that the notification channels receive.
 */
import type { Actor } from "../../auth/principal";
import type { SloAlertSeverity, SloRow } from "../../db/schema";
import {
  ALERT_LEVELS,
  type AlertLevel,
  alertTransition,
  alertWindows,
  evaluateSlo,
  type SloEvaluation,
} from "../../domain/slo/burn-rate";
import type { Services } from "../../services";
import { readSloWindows } from "../../services/slo-windows";
import { type CronTask, registerCronTask } from "../cron";

/** The job runs on minutes divisible by this. */
export const SLI_INTERVAL_MINUTES = 5;
/** SLOs evaluated per run (a bound on the run; beyond it, shard the job). */
export const SLOS_PER_RUN = 500;

/** The audit actor of the SLI job. */
export const SLI_ACTOR: Actor = { type: "system", id: "sli", label: "SLI job" };

/** Event type of an alert transition (`*.detected` / `*.resolved` pair up for PagerDuty). */
export function alertEventType(level: AlertLevel, transition: "fire" | "resolve"): string {
  return `slo.${level}.${transition === "fire" ? "detected" : "resolved"}`;
}

interface OpenAlert {
  slo_id: string;
  severity: SloAlertSeverity;
}

async function openAlerts(services: Services, ids: readonly string[]): Promise<Set<string>> {
  const { results } = await services.d1
    .prepare(
      `SELECT slo_id, severity FROM slo_alerts
       WHERE resolved_at IS NULL AND slo_id IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify(ids))
    .all<OpenAlert>();
  return new Set(results.map((r) => `${r.slo_id}:${r.severity}`));
}

/** Flushes the aggregators of the projects involved, so the minute rows are current. */
async function flushProjects(services: Services, projectIds: ReadonlySet<string>): Promise<void> {
  await Promise.all(
    [...projectIds].map(async (projectId) => {
      try {
        await services.telemetry.get(services.telemetry.idFromName(projectId)).flush();
      } catch (error) {
        // Slightly stale data is better than no evaluation: the alarm flushes again soon.
        services.logger.warn("telemetry flush before SLI failed", {
          project_id: projectId,
          error: String(error),
        });
      }
    }),
  );
}

async function orgOf(services: Services, projectId: string): Promise<string | null> {
  const row = await services.d1
    .prepare("SELECT org_id FROM projects WHERE id = ?")
    .bind(projectId)
    .first<{ org_id: string }>();
  return row?.org_id ?? null;
}

/** Applies one level's transition; returns whether it notified. */
async function transition(
  services: Services,
  slo: SloRow,
  level: AlertLevel,
  kind: "fire" | "resolve",
  evaluation: SloEvaluation,
  now: number,
): Promise<boolean> {
  const rates = JSON.stringify(evaluation.burnRates);
  const alertId = crypto.randomUUID();
  const result =
    kind === "fire"
      ? await services.d1
          .prepare(
            `INSERT OR IGNORE INTO slo_alerts (id, project_id, slo_id, severity, fired_at,
               fired_burn_rates) VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .bind(alertId, slo.projectId, slo.id, level, now, rates)
          .run()
      : await services.d1
          .prepare(
            `UPDATE slo_alerts SET resolved_at = ?, resolved_burn_rates = ?
             WHERE slo_id = ? AND severity = ? AND resolved_at IS NULL`,
          )
          .bind(now, rates, slo.id, level)
          .run();
  if (result.meta.changes !== 1) {
    return false;
  }
  const orgId = await orgOf(services, slo.projectId);
  if (orgId === null) {
    return false;
  }
  const type = alertEventType(level, kind);
  const policy = slo.alerting[level];
  const payload = {
    slo_id: slo.id,
    slo_name: slo.name,
    service: slo.service,
    objective: slo.objective,
    target: slo.target,
    level,
    burn_rate_threshold: policy.burn_rate,
    long_window_seconds: policy.long_window_seconds,
    short_window_seconds: policy.short_window_seconds,
    burn_rates: evaluation.burnRates,
    sli: evaluation.sli,
    error_budget_remaining: evaluation.errorBudgetRemaining,
  };
  const severity = kind === "resolve" ? "info" : level === "page" ? "critical" : "warning";
  await services.audit.record(
    {
      orgId,
      projectId: slo.projectId,
      actor: SLI_ACTOR,
      action: type,
      resourceType: "slo",
      resourceId: slo.id,
      diff: { after: payload },
      requestId: services.requestId,
    },
    [
      {
        projectId: slo.projectId,
        type,
        severity,
        resourceType: "slo",
        resourceId: slo.id,
        payload,
      },
    ],
  );
  return true;
}

/** Evaluates every SLO (up to SLOS_PER_RUN) at `now`; returns counts for the log line. */
export async function runSliJob(services: Services, now: number) {
  const slos = await services.db.query.slos.findMany({
    orderBy: (s, { asc }) => [asc(s.createdAt), asc(s.id)],
    limit: SLOS_PER_RUN,
  });
  if (slos.length === 0) {
    return { slos: 0, fired: 0, resolved: 0 };
  }
  await flushProjects(services, new Set(slos.map((s) => s.projectId)));
  const open = await openAlerts(
    services,
    slos.map((s) => s.id),
  );
  let fired = 0;
  let resolved = 0;
  for (const slo of slos) {
    const windows = await readSloWindows(
      services.d1,
      slo.projectId,
      slo.service,
      slo.windowDays,
      alertWindows(slo.alerting),
      now,
    );
    const evaluation = evaluateSlo(
      { objective: slo.objective, target: slo.target, latencyThresholdMs: slo.latencyThresholdMs },
      slo.alerting,
      windows.window,
      windows.alertWindows,
    );
    await services.d1
      .prepare("UPDATE slos SET status = ? WHERE id = ?")
      .bind(
        JSON.stringify({
          computed_at: now,
          sli: evaluation.sli,
          error_budget_remaining: evaluation.errorBudgetRemaining,
          total: evaluation.total,
          bad: evaluation.bad,
          burn_rates: evaluation.burnRates,
          firing: evaluation.firing,
        }),
        slo.id,
      )
      .run();
    for (const level of ALERT_LEVELS) {
      const kind = alertTransition(
        open.has(`${slo.id}:${level}`),
        evaluation.firing.includes(level),
      );
      if (kind !== null && (await transition(services, slo, level, kind, evaluation, now))) {
        if (kind === "fire") {
          fired += 1;
        } else {
          resolved += 1;
        }
      }
    }
  }
  return { slos: slos.length, fired, resolved };
}

/** The cron task: runs the SLI job on every fifth minute. */
export const sliTask: CronTask = {
  name: "slo-sli",
  async run(services, scheduledTime) {
    if (Math.floor(scheduledTime / 60_000) % SLI_INTERVAL_MINUTES !== 0) {
      return { skipped: true };
    }
    return runSliJob(services, scheduledTime);
  },
};

registerCronTask(sliTask);
