/**
 * One evaluation pass over a project's enabled alert rules (run by AlertEvaluatorDO every
 * 30 s). Reads each rule's metric, runs the pure state machine, commits the new states, then
 * audits every state change and emits the `alert.firing` / `alert.resolved` events that the
 * notification channels route.
 *
 * Exactly once: the project's evaluations are serialised by its Durable Object, and each state
 * write is also guarded by `state_version`, so a transition (and its notification) is committed
 * by at most one pass even if a second evaluator ever ran. The commit claims the notification
 * before the event is appended: a failing event store can lose one (it is logged), never send
 * it twice.
 */
import { and, eq, gt, lte } from "drizzle-orm";
import type { Actor } from "../auth/principal";
import { type AlertMetric, alertRules, alertSilences } from "../db/schema";
import { isSilenced, type SilenceWindow } from "../domain/alerts/silence";
import {
  type AlertNotification,
  type AlertStatus,
  type Evaluation,
  evaluate,
  type Observation,
} from "../domain/alerts/state";
import type { AlertPassSummary } from "../rpc/alert-evaluator";
import type { Services } from ".";
import { METRIC_UNITS, readMetric } from "./alert-metrics";
import type { EventInput } from "./audit";

/** The audit actor of alert evaluations. */
export const ALERT_ACTOR: Actor = { type: "system", id: "alerts", label: "alert evaluation" };

/** Seconds between two evaluations of a project (the DO alarm period). */
export const ALERT_EVAL_INTERVAL_MS = 30_000;

/** An alert rule row. */
export type AlertRuleRow = typeof alertRules.$inferSelect;

export type { AlertPassSummary } from "../rpc/alert-evaluator";

/** The stored state of a rule, as the state machine sees it. */
export function statusOf(row: AlertRuleRow): AlertStatus {
  return {
    state: row.state,
    since: row.stateSince,
    breachSince: row.breachSince,
    firingNotified: row.firingNotified,
    lastValue: row.lastValue,
    lastEvaluatedAt: row.lastEvaluatedAt,
  };
}

/** The event a notification becomes (routed by the project's notification rules). */
export function notificationEvent(
  rule: AlertRuleRow,
  n: AlertNotification,
  at: number,
): EventInput {
  return {
    projectId: rule.projectId,
    type: n.kind === "firing" ? "alert.firing" : "alert.resolved",
    severity: n.kind === "firing" ? rule.severity : "info",
    resourceType: "alert_rule",
    resourceId: rule.id,
    payload: {
      rule_id: rule.id,
      rule_name: rule.name,
      metric: rule.metric,
      service: rule.service,
      comparator: rule.comparator,
      threshold: rule.threshold,
      value: n.value,
      unit: METRIC_UNITS[rule.metric],
      breach_since: n.breachSince === null ? null : new Date(n.breachSince).toISOString(),
      at: new Date(at).toISOString(),
      summary:
        n.kind === "firing"
          ? `${rule.name}: ${rule.metric} ${n.value ?? "?"} ${rule.comparator} ${rule.threshold}`
          : `${rule.name} resolved: ${rule.metric} ${n.value ?? "?"}`,
    },
  };
}

/**
 * The statements that commit one evaluation: the rule's new state (only if nobody wrote it
 * since it was read) and, for a state change, a history row inserted only when that write
 * applied. D1 runs a batch as one transaction, so both or neither land.
 */
export function commitStatements(
  d1: D1Database,
  rule: AlertRuleRow,
  result: Evaluation,
): D1PreparedStatement[] {
  const s = result.status;
  const stmts = [
    d1
      .prepare(
        `UPDATE alert_rules SET state = ?, state_since = ?, breach_since = ?, firing_notified = ?,
           last_value = ?, last_evaluated_at = ?, state_version = state_version + 1
         WHERE id = ? AND state_version = ?`,
      )
      .bind(
        s.state,
        s.since,
        s.breachSince,
        s.firingNotified ? 1 : 0,
        s.lastValue,
        s.lastEvaluatedAt,
        rule.id,
        rule.stateVersion,
      ),
  ];
  const t = result.transition;
  if (t) {
    const notified = result.notifications.at(-1)?.kind ?? null;
    stmts.push(
      d1
        .prepare(
          `INSERT INTO alert_history (id, project_id, rule_id, rule_name, from_state, to_state,
             value, notified, at)
           SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
           WHERE EXISTS (SELECT 1 FROM alert_rules WHERE id = ? AND state_version = ?)`,
        )
        .bind(
          crypto.randomUUID(),
          rule.projectId,
          rule.id,
          rule.name,
          t.from,
          t.to,
          t.value,
          notified,
          t.at,
          rule.id,
          rule.stateVersion + 1,
        ),
    );
  }
  return stmts;
}

/** Audits a committed evaluation's state change and emits its notifications. */
export async function announce(
  services: Pick<Services, "audit" | "requestId">,
  orgId: string,
  rule: AlertRuleRow,
  result: Evaluation,
): Promise<void> {
  const t = result.transition;
  const events = result.notifications.map((n) => notificationEvent(rule, n, t?.at ?? Date.now()));
  if (!t) {
    if (events.length > 0) {
      await services.audit.emit(events);
    }
    return;
  }
  await services.audit.record(
    {
      orgId,
      projectId: rule.projectId,
      actor: ALERT_ACTOR,
      action: `alert.${t.to}`,
      resourceType: "alert_rule",
      resourceId: rule.id,
      diff: {
        before: { state: t.from },
        after: { state: t.to, value: t.value, notified: events.map((e) => e.type) },
      },
      requestId: services.requestId,
    },
    events,
  );
}

/**
 * Evaluates every enabled rule of `projectId` at `now`. Rules sharing a metric, service and
 * window read it once.
 */
export async function evaluateProjectAlerts(
  services: Pick<Services, "db" | "d1" | "audit" | "logger" | "requestId">,
  projectId: string,
  now: number,
): Promise<AlertPassSummary> {
  const summary: AlertPassSummary = {
    evaluated: 0,
    transitions: 0,
    notifications: 0,
    conflicts: 0,
  };
  const project = await services.db.query.projects.findFirst({
    where: (p, { eq: is }) => is(p.id, projectId),
    columns: { id: true, orgId: true },
  });
  if (!project) {
    return summary;
  }
  const rules = await services.db
    .select()
    .from(alertRules)
    .where(and(eq(alertRules.projectId, projectId), eq(alertRules.enabled, true)));
  if (rules.length === 0) {
    return summary;
  }
  const silences: SilenceWindow[] = await services.db
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
  const reads = new Map<string, Promise<Observation>>();
  const observe = (rule: AlertRuleRow) => {
    const key = `${rule.metric}\u0000${rule.service ?? ""}\u0000${rule.windowSeconds}`;
    let read = reads.get(key);
    if (!read) {
      read = readMetric(services.d1, {
        projectId,
        metric: rule.metric as AlertMetric,
        service: rule.service,
        windowMs: rule.windowSeconds * 1000,
        now,
      });
      reads.set(key, read);
    }
    return read;
  };
  const results = await Promise.all(
    rules.map(async (rule) => {
      const obs = await observe(rule);
      const cond = {
        comparator: rule.comparator,
        threshold: rule.threshold,
        forMs: rule.forSeconds * 1000,
      };
      return {
        rule,
        result: evaluate(statusOf(rule), cond, obs, now, isSilenced(rule.id, silences, now)),
      };
    }),
  );
  const stmts = results.map(({ rule, result }) => commitStatements(services.d1, rule, result));
  const outcomes = await services.d1.batch(stmts.flat());
  let at = 0;
  for (const [i, { rule, result }] of results.entries()) {
    const applied = outcomes[at]?.meta.changes === 1;
    at += stmts[i]?.length ?? 0;
    summary.evaluated++;
    if (!applied) {
      summary.conflicts++;
      continue;
    }
    if (result.transition) {
      summary.transitions++;
    }
    summary.notifications += result.notifications.length;
    if (result.transition || result.notifications.length > 0) {
      try {
        await announce(services, project.orgId, rule, result);
      } catch (err) {
        services.logger.error("alert announcement failed", {
          rule_id: rule.id,
          transition: result.transition,
          notifications: result.notifications.map((n) => n.kind),
          error: String(err),
        });
      }
    }
  }
  return summary;
}
