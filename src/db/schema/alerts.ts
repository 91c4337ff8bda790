import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { ALERT_STATES, COMPARATORS } from "../../domain/alerts/state";
import { createdAt, id, updatedAt } from "./columns";
import { projects } from "./tenancy";

/** Metrics an alert rule can watch (see src/services/alert-metrics.ts for their meaning). */
export const ALERT_METRICS = [
  "error_rate",
  "latency_p99_ms",
  "waf_blocked",
  "nodes_offline",
  "cert_expiry_days",
] as const;
/** One alert metric. */
export type AlertMetric = (typeof ALERT_METRICS)[number];
/** Severities of alert rules (copied onto their events). */
export const ALERT_SEVERITIES = ["info", "warning", "critical"] as const;

/**
 * Threshold alert rules and, on the same row, their evaluation state (written only by the
 * project's AlertEvaluatorDO, guarded by `state_version`).
 */
export const alertRules = sqliteTable(
  "alert_rules",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    metric: text("metric", { enum: ALERT_METRICS }).notNull(),
    /** A service name, or null for the whole project. */
    service: text("service"),
    comparator: text("comparator", { enum: COMPARATORS }).notNull(),
    threshold: real("threshold").notNull(),
    windowSeconds: integer("window_seconds").notNull(),
    forSeconds: integer("for_seconds").notNull(),
    severity: text("severity", { enum: ALERT_SEVERITIES }).notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    state: text("state", { enum: ALERT_STATES }).notNull().default("inactive"),
    stateSince: integer("state_since").notNull(),
    breachSince: integer("breach_since"),
    firingNotified: integer("firing_notified", { mode: "boolean" }).notNull().default(false),
    lastValue: real("last_value"),
    lastEvaluatedAt: integer("last_evaluated_at"),
    stateVersion: integer("state_version").notNull().default(0),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("alert_rules_project_name").on(t.projectId, t.name),
    index("alert_rules_enabled").on(t.enabled, t.lastEvaluatedAt),
  ],
);

/** Silences: one rule (or every rule of the project when `rule_id` is null) for a time. */
export const alertSilences = sqliteTable(
  "alert_silences",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    ruleId: text("rule_id").references(() => alertRules.id, { onDelete: "cascade" }),
    reason: text("reason"),
    startsAt: integer("starts_at").notNull(),
    endsAt: integer("ends_at").notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
  },
  (t) => [index("alert_silences_project").on(t.projectId, t.endsAt)],
);

/** Every state change of every rule (kept after the rule is deleted, by name). */
export const alertHistory = sqliteTable(
  "alert_history",
  {
    id: id(),
    projectId: text("project_id").notNull(),
    ruleId: text("rule_id").notNull(),
    ruleName: text("rule_name").notNull(),
    fromState: text("from_state", { enum: ALERT_STATES }).notNull(),
    toState: text("to_state", { enum: ALERT_STATES }).notNull(),
    value: real("value"),
    /** `firing` / `resolved` when this change sent a notification. */
    notified: text("notified", { enum: ["firing", "resolved"] }),
    at: integer("at").notNull(),
  },
  (t) => [
    index("alert_history_project").on(t.projectId, t.at),
    index("alert_history_rule").on(t.ruleId, t.at),
  ],
);

/** WAF baseline per rule and hour of week (recomputed hourly). */
export const wafBaselines = sqliteTable(
  "waf_baselines",
  {
    projectId: text("project_id").notNull(),
    ruleId: text("rule_id").notNull(),
    hourOfWeek: integer("hour_of_week").notNull(),
    mean: real("mean").notNull(),
    stddev: real("stddev").notNull(),
    samples: integer("samples").notNull(),
    computedAt: integer("computed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.ruleId, t.hourOfWeek] })],
);

/** WAF anomalies the 15-minute job found. */
export const wafAnomalies = sqliteTable(
  "waf_anomalies",
  {
    id: id(),
    projectId: text("project_id").notNull(),
    ruleId: text("rule_id").notNull(),
    direction: text("direction", { enum: ["spike", "drop"] }).notNull(),
    observed: real("observed").notNull(),
    expected: real("expected").notNull(),
    stddev: real("stddev").notNull(),
    z: real("z").notNull(),
    severity: text("severity", { enum: ["medium", "high", "critical"] }).notNull(),
    windowStart: integer("window_start").notNull(),
    windowEnd: integer("window_end").notNull(),
    detectedAt: integer("detected_at").notNull(),
  },
  (t) => [index("waf_anomalies_project").on(t.projectId, t.detectedAt)],
);
