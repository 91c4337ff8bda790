/**
 * Alert-rule operations shared by the routes: loading a rule within its project, silences in
 * force, retiring a rule (deleted, disabled or re-targeted) and arming the project's evaluator.
 */
import { and, eq, gt, lte } from "drizzle-orm";
import { alertRules, alertSilences } from "../db/schema";
import { isSilenced, type SilenceWindow } from "../domain/alerts/silence";
import { retire } from "../domain/alerts/state";
import type { ProjectRow, Services } from ".";
import { type AlertRuleRow, announce, commitStatements, statusOf } from "./alert-evaluation";

/** The rule `ruleId` of `projectId`, or null (another project's rule is "not found" too). */
export async function findRule(
  services: Pick<Services, "db">,
  projectId: string,
  ruleId: string,
): Promise<AlertRuleRow | null> {
  const row = await services.db.query.alertRules.findFirst({
    where: and(eq(alertRules.id, ruleId), eq(alertRules.projectId, projectId)),
  });
  return row ?? null;
}

/** The project's silences in force at `now`. */
export async function activeSilences(
  services: Pick<Services, "db">,
  projectId: string,
  now: number,
): Promise<SilenceWindow[]> {
  return services.db
    .select({
      ruleId: alertSilences.ruleId,
      startsAt: alertSilences.startsAt,
      endsAt: alertSilences.endsAt,
    })
    .from(alertSilences)
    .where(
      and(
        eq(alertSilences.projectId, projectId),
        lte(alertSilences.startsAt, now),
        gt(alertSilences.endsAt, now),
      ),
    );
}

/** Whether `rule` is silenced at `now` under `silences`. */
export function silencedNow(rule: AlertRuleRow, silences: readonly SilenceWindow[], now: number) {
  return isSilenced(rule.id, silences, now);
}

/**
 * Moves `rule` to inactive at `now` (it is being deleted, disabled or pointed at another
 * metric) and sends the resolve its open firing episode is owed. Returns false when the rule
 * changed underneath (the caller reports a conflict and changes nothing).
 */
export async function retireRule(
  services: Pick<Services, "d1" | "audit" | "requestId" | "logger">,
  project: Pick<ProjectRow, "orgId">,
  rule: AlertRuleRow,
  now: number,
): Promise<boolean> {
  if (rule.state === "inactive") {
    return true;
  }
  const result = retire(statusOf(rule), now);
  const outcomes = await services.d1.batch(commitStatements(services.d1, rule, result));
  if (outcomes[0]?.meta.changes !== 1) {
    return false;
  }
  await announce(services, project.orgId, rule, result);
  return true;
}

/**
 * Arms the project's evaluator so a new or re-enabled rule is evaluated within seconds. A
 * failure is logged, not thrown: the rule is saved, and the cron's alert watchdog arms the
 * evaluator within a minute.
 */
export async function armEvaluator(
  services: Pick<Services, "alertEvaluators" | "logger">,
  projectId: string,
): Promise<void> {
  try {
    const stub = services.alertEvaluators.get(services.alertEvaluators.idFromName(projectId));
    await stub.ensureAlarm(projectId);
  } catch (err) {
    services.logger.warn("could not arm the alert evaluator", {
      project_id: projectId,
      error: String(err),
    });
  }
}
