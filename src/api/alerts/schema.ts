import { z } from "@hono/zod-openapi";
import {
  ALERT_METRICS,
  ALERT_SEVERITIES,
  type alertHistory,
  type alertRules,
  type alertSilences,
} from "../../db/schema";
import { MAX_SILENCE_MS } from "../../domain/alerts/silence";
import { ALERT_STATES, COMPARATORS } from "../../domain/alerts/state";
import { METRIC_DESCRIPTIONS, METRIC_UNITS } from "../../services/alert-metrics";
import { iso, isoTime, projectParam, uuidParam } from "../schemas";

export type AlertRuleRow = typeof alertRules.$inferSelect;
export type SilenceRow = typeof alertSilences.$inferSelect;
export type HistoryRow = typeof alertHistory.$inferSelect;

/** Bounds of the evaluation window and the `for` duration (seconds). */
export const MIN_WINDOW_S = 60;
export const MAX_WINDOW_S = 86_400;
export const MAX_FOR_S = 86_400;

/** Path parameters `{project}` and `{rule_id}`. */
export const alertRuleParams = projectParam.extend({ rule_id: uuidParam("rule_id") });
/** Path parameters `{project}` and `{silence_id}`. */
export const silenceParams = projectParam.extend({ silence_id: uuidParam("silence_id") });

const name = z.string().trim().min(1).max(100).openapi({ example: "fleet nodes offline" });
const description = z
  .string()
  .trim()
  .max(500)
  .nullable()
  .openapi({ example: "page the edge team" });
const metric = z.enum(ALERT_METRICS).openapi({
  description: ALERT_METRICS.map(
    (m) => `\`${m}\` (${METRIC_UNITS[m]}): ${METRIC_DESCRIPTIONS[m]}`,
  ).join("; "),
  example: "error_rate",
});
const service = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .nullable()
  .openapi({ description: "Limit to one service; null: the whole project", example: null });
const comparator = z.enum(COMPARATORS).openapi({ example: ">" });
const threshold = z.number().finite().openapi({ example: 2 });
const windowSeconds = z.number().int().min(MIN_WINDOW_S).max(MAX_WINDOW_S).openapi({
  description: "How far back the metric is read (rate and percentile metrics)",
  example: 300,
});
const forSeconds = z.number().int().min(0).max(MAX_FOR_S).openapi({
  description: "How long the condition must hold before the alert fires (0: at once)",
  example: 60,
});
const severity = z.enum(ALERT_SEVERITIES).openapi({ example: "critical" });

/** POST body. */
export const createAlertRuleBody = z
  .object({
    name,
    description: description.optional(),
    metric,
    service: service.optional(),
    comparator,
    threshold,
    window_seconds: windowSeconds.default(300),
    for_seconds: forSeconds.default(0),
    severity: severity.default("warning"),
    enabled: z.boolean().default(true),
  })
  .openapi("AlertRuleCreate");

/** PATCH body: any subset of the create fields. */
export const updateAlertRuleBody = z
  .object({
    name: name.optional(),
    description: description.optional(),
    metric: metric.optional(),
    service: service.optional(),
    comparator: comparator.optional(),
    threshold: threshold.optional(),
    window_seconds: windowSeconds.optional(),
    for_seconds: forSeconds.optional(),
    severity: severity.optional(),
    enabled: z.boolean().optional(),
  })
  .openapi("AlertRuleUpdate");

/** An alert rule with its current state. */
export const alertRuleSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    description: z.string().nullable(),
    metric: z.enum(ALERT_METRICS),
    service: z.string().nullable(),
    comparator: z.enum(COMPARATORS),
    threshold: z.number(),
    unit: z.string().openapi({ example: "nodes" }),
    window_seconds: z.number().int(),
    for_seconds: z.number().int(),
    severity: z.enum(ALERT_SEVERITIES),
    enabled: z.boolean(),
    state: z.enum(ALERT_STATES),
    state_since: isoTime,
    breach_since: isoTime.nullable(),
    last_value: z.number().nullable(),
    last_evaluated_at: isoTime.nullable(),
    silenced: z.boolean().openapi({ description: "an active silence covers the rule now" }),
    created_by: z.string().nullable(),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .openapi("AlertRule");

/** API shape of a rule row. */
export function toAlertRule(row: AlertRuleRow, silenced: boolean): z.infer<typeof alertRuleSchema> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    metric: row.metric,
    service: row.service,
    comparator: row.comparator,
    threshold: row.threshold,
    unit: METRIC_UNITS[row.metric],
    window_seconds: row.windowSeconds,
    for_seconds: row.forSeconds,
    severity: row.severity,
    enabled: row.enabled,
    state: row.state,
    state_since: iso(row.stateSince),
    breach_since: iso(row.breachSince),
    last_value: row.lastValue,
    last_evaluated_at: iso(row.lastEvaluatedAt),
    silenced,
    created_by: row.createdBy,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

const instant = z.iso.datetime({ offset: true });

/** Checks the silence's time range whenever its parts parsed (next to other problems). */
function checkSilenceRange(value: unknown, ctx: z.RefinementCtx): void {
  const raw = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const starts = instant.safeParse(raw.starts_at);
  const ends = instant.safeParse(raw.ends_at);
  if (!ends.success) {
    return;
  }
  const from = starts.success ? Date.parse(starts.data) : null;
  const to = Date.parse(ends.data);
  if (from !== null && to <= from) {
    ctx.addIssue({ code: "custom", path: ["ends_at"], message: "must be after starts_at" });
  } else if (from !== null && to - from > MAX_SILENCE_MS) {
    ctx.addIssue({ code: "custom", path: ["ends_at"], message: "a silence lasts at most 30 days" });
  }
}

/** POST body of a silence. */
export const createSilenceBody = z
  .object({
    rule_id: z
      .string()
      .uuid()
      .nullable()
      .optional()
      .openapi({ description: "The rule to silence; omitted or null: every rule of the project" }),
    reason: z.string().trim().max(500).nullable().optional().openapi({ example: "maintenance" }),
    starts_at: instant.optional().openapi({
      description: "Default: now",
      example: "2026-12-07T14:00:00Z",
    }),
    ends_at: instant.openapi({ example: "2026-12-07T16:00:00Z" }),
  })
  .superRefine(checkSilenceRange, { when: () => true })
  .openapi("AlertSilenceCreate");

/** A silence. */
export const silenceSchema = z
  .object({
    id: z.string().uuid(),
    rule_id: z.string().uuid().nullable(),
    reason: z.string().nullable(),
    starts_at: isoTime,
    ends_at: isoTime,
    active: z.boolean().openapi({ description: "in force now" }),
    created_by: z.string().nullable(),
    created_at: isoTime,
  })
  .openapi("AlertSilence");

/** API shape of a silence at `now`. */
export function toSilence(row: SilenceRow, now: number): z.infer<typeof silenceSchema> {
  return {
    id: row.id,
    rule_id: row.ruleId,
    reason: row.reason,
    starts_at: iso(row.startsAt),
    ends_at: iso(row.endsAt),
    active: row.startsAt <= now && now < row.endsAt,
    created_by: row.createdBy,
    created_at: iso(row.createdAt),
  };
}

/** One state change of a rule. */
export const historyEntrySchema = z
  .object({
    id: z.string().uuid(),
    rule_id: z.string().uuid(),
    rule_name: z.string(),
    from: z.enum(ALERT_STATES),
    to: z.enum(ALERT_STATES),
    value: z.number().nullable(),
    notified: z.enum(["firing", "resolved"]).nullable(),
    at: isoTime,
  })
  .openapi("AlertHistoryEntry");

/** API shape of a history row. */
export function toHistoryEntry(row: HistoryRow): z.infer<typeof historyEntrySchema> {
  return {
    id: row.id,
    rule_id: row.ruleId,
    rule_name: row.ruleName,
    from: row.fromState,
    to: row.toState,
    value: row.value,
    notified: row.notified,
    at: iso(row.at),
  };
}
