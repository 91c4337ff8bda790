import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import type { AlertingPolicy } from "../../domain/slo/burn-rate";
import { LATENCY_BOUNDS_MS } from "../../domain/telemetry/buckets";
import { projects } from "./tenancy";

/** Latency bucket columns (`lat_5` … `lat_10000`, `lat_inf`): non-cumulative request counts. */
function latencyColumns() {
  const columns: Record<string, ReturnType<typeof integer>> = {};
  for (const bound of LATENCY_BOUNDS_MS) {
    columns[`lat${bound}`] = integer(`lat_${bound}`).notNull().default(0);
  }
  columns.latInf = integer("lat_inf").notNull().default(0);
  return columns;
}

/**
 * One telemetry rollup table: counts per project + service + bundle + bucket. `bundle_id` is
 * `""` for traffic of a node that ran no (or an unreported) bundle. Minutes are written by
 * TelemetryAggregatorDO as absolute upserts; hours and days by the rollup cron from the level
 * below, so every level is an exact sum of the one beneath.
 */
function telemetryTable(name: "telemetry_minutes" | "telemetry_hours" | "telemetry_days") {
  return sqliteTable(
    name,
    {
      projectId: text("project_id")
        .notNull()
        .references(() => projects.id, { onDelete: "cascade" }),
      service: text("service").notNull(),
      bundleId: text("bundle_id").notNull().default(""),
      /** Epoch ms of the bucket's start (UTC-aligned minute, hour or day). */
      bucketStart: integer("bucket_start").notNull(),
      requests: integer("requests").notNull().default(0),
      errors5xx: integer("errors_5xx").notNull().default(0),
      errors4xx: integer("errors_4xx").notNull().default(0),
      latencySumMs: real("latency_sum_ms").notNull().default(0),
      ...latencyColumns(),
      /** Node reports merged into the row. */
      reports: integer("reports").notNull().default(0),
    },
    (t) => [
      primaryKey({ columns: [t.projectId, t.service, t.bundleId, t.bucketStart] }),
      index(`${name}_bucket`).on(t.bucketStart),
      index(`${name}_project_bucket`).on(t.projectId, t.bucketStart),
    ],
  );
}

export const telemetryMinutes = telemetryTable("telemetry_minutes");
export const telemetryHours = telemetryTable("telemetry_hours");
export const telemetryDays = telemetryTable("telemetry_days");

/** WAF decisions per project + service + rule + bucket (same rollup chain as telemetry). */
function wafTable(name: "waf_minutes" | "waf_hours" | "waf_days") {
  return sqliteTable(
    name,
    {
      projectId: text("project_id")
        .notNull()
        .references(() => projects.id, { onDelete: "cascade" }),
      service: text("service").notNull(),
      ruleId: text("rule_id").notNull(),
      bucketStart: integer("bucket_start").notNull(),
      blocked: integer("blocked").notNull().default(0),
      challenged: integer("challenged").notNull().default(0),
    },
    (t) => [
      primaryKey({ columns: [t.projectId, t.service, t.ruleId, t.bucketStart] }),
      index(`${name}_bucket`).on(t.bucketStart),
      index(`${name}_project_bucket`).on(t.projectId, t.bucketStart),
    ],
  );
}

export const wafMinutes = wafTable("waf_minutes");
export const wafHours = wafTable("waf_hours");
export const wafDays = wafTable("waf_days");

/** WAF decisions per node and hour, written once the hour has closed (no row: no decisions). */
export const wafNodeHours = sqliteTable(
  "waf_node_hours",
  {
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    nodeId: text("node_id").notNull(),
    bucketStart: integer("bucket_start").notNull(),
    blocked: integer("blocked").notNull().default(0),
    challenged: integer("challenged").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.nodeId, t.bucketStart] }),
    index("waf_node_hours_bucket").on(t.bucketStart),
  ],
);

/** SLO objectives. */
export const SLO_OBJECTIVES = ["availability", "latency"] as const;
export type SloObjective = (typeof SLO_OBJECTIVES)[number];

/** The page and ticket burn-rate policies of an SLO (see `src/domain/slo`). */
export type SloAlerting = AlertingPolicy;

/** What the SLI job last computed for an SLO (null until its first run). */
export interface SloStatus {
  computed_at: number;
  /** Percent of good events over the SLO window; null without traffic. */
  sli: number | null;
  /** Percent of the error budget left over the window (negative when overspent). */
  error_budget_remaining: number | null;
  total: number;
  bad: number;
  /** Burn rate per alert window (seconds → rate; null without traffic in the window). */
  burn_rates: Record<string, number | null>;
  /** Alert levels whose both windows burn above their threshold. */
  firing: Array<"page" | "ticket">;
}

export const slos = sqliteTable(
  "slos",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    /** The service (route) measured; null measures the whole project. */
    service: text("service"),
    objective: text("objective", { enum: SLO_OBJECTIVES }).notNull(),
    /** Target percent of good events, 0 < target < 100. */
    target: real("target").notNull(),
    /** Latency objectives: a request is good when it is at most this fast (a bucket bound). */
    latencyThresholdMs: integer("latency_threshold_ms"),
    windowDays: integer("window_days").notNull(),
    alerting: text("alerting", { mode: "json" }).$type<SloAlerting>().notNull(),
    status: text("status", { mode: "json" }).$type<SloStatus>(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("slos_project_name").on(t.projectId, t.name)],
);

/** Alert severities of an SLO. */
export const SLO_ALERT_SEVERITIES = ["page", "ticket"] as const;
export type SloAlertSeverity = (typeof SLO_ALERT_SEVERITIES)[number];

/**
 * One burn-rate alert occurrence: opened when it fires, closed when it resolves. A partial
 * unique index allows one open alert per SLO and severity, so firing is a conditional INSERT.
 */
export const sloAlerts = sqliteTable(
  "slo_alerts",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    sloId: text("slo_id")
      .notNull()
      .references(() => slos.id, { onDelete: "cascade" }),
    severity: text("severity", { enum: SLO_ALERT_SEVERITIES }).notNull(),
    firedAt: integer("fired_at").notNull(),
    resolvedAt: integer("resolved_at"),
    firedBurnRates: text("fired_burn_rates", { mode: "json" })
      .$type<Record<string, number | null>>()
      .notNull(),
    resolvedBurnRates: text("resolved_burn_rates", { mode: "json" }).$type<
      Record<string, number | null>
    >(),
  },
  (t) => [index("slo_alerts_project_fired").on(t.projectId, t.firedAt)],
);

/** A slos row. */
export type SloRow = typeof slos.$inferSelect;
