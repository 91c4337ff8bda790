import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, json } from "./columns";

export const ACTOR_TYPES = ["user", "api_key", "node", "system"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/**
 * Tamper-evident audit log. Entries of one project form a chain:
 * hash = HMAC-SHA256(AUDIT_HMAC_KEY, prev_hash || canonical(entry)); appends are serialised
 * per project by ProjectHubDO so `seq` has no gaps or forks. Org-level entries (no project)
 * chain under the pseudo-project "org:<org id>".
 */
export const auditLogs = sqliteTable(
  "audit_logs",
  {
    id: text("id").primaryKey(),
    /** Chain key: project id, or "org:<org id>" for entries outside any project. */
    chain: text("chain").notNull(),
    seq: integer("seq").notNull(),
    orgId: text("org_id").notNull(),
    projectId: text("project_id"),
    actorType: text("actor_type", { enum: ACTOR_TYPES }).notNull(),
    actorId: text("actor_id").notNull(),
    action: text("action").notNull(),
    resourceType: text("resource_type").notNull(),
    resourceId: text("resource_id"),
    diff: json<Record<string, unknown>>("diff"),
    requestId: text("request_id"),
    createdAt: createdAt(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    uniqueIndex("audit_logs_chain_seq").on(t.chain, t.seq),
    index("audit_logs_project_created").on(t.projectId, t.createdAt),
    index("audit_logs_project_action").on(t.projectId, t.action),
    index("audit_logs_created").on(t.createdAt),
  ],
);

/** The per-project event stream (rollout.*, bundle.*, node.*, drift.*) feeding notifications. */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull(),
    type: text("type").notNull(),
    severity: text("severity", { enum: ["info", "warning", "critical"] })
      .notNull()
      .default("info"),
    resourceType: text("resource_type"),
    resourceId: text("resource_id"),
    payload: json<Record<string, unknown>>("payload").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("events_project_created").on(t.projectId, t.createdAt),
    index("events_created").on(t.createdAt),
  ],
);

export const notificationChannels = sqliteTable(
  "notification_channels",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull(),
    name: text("name").notNull(),
    type: text("type", { enum: ["webhook", "slack", "teams", "pagerduty"] }).notNull(),
    /** Channel config (URL, routing key, signing secret) encrypted at rest. */
    configEnc: text("config_enc").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    maxAttempts: integer("max_attempts").notNull().default(8),
    createdAt: createdAt(),
  },
  (t) => [index("notification_channels_project").on(t.projectId)],
);

export const notificationRules = sqliteTable(
  "notification_rules",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull(),
    channelId: text("channel_id").notNull(),
    /** "*", "prefix.*" or an exact event type. */
    eventPattern: text("event_pattern").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("notification_rules_project").on(t.projectId)],
);

export const notificationDeliveries = sqliteTable(
  "notification_deliveries",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull(),
    channelId: text("channel_id").notNull(),
    eventId: text("event_id").notNull(),
    status: text("status", { enum: ["pending", "delivered", "retrying", "dead_letter"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** One entry per attempt: time, HTTP status or error, truncated response. */
    log: json<Array<Record<string, unknown>>>("log").notNull().default([]),
    nextAttemptAt: integer("next_attempt_at"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("notification_deliveries_project").on(t.projectId, t.createdAt),
    index("notification_deliveries_event").on(t.eventId, t.channelId),
  ],
);

/** Secrets per project for inbound integrations (GitHub webhook HMAC), encrypted at rest. */
export const projectSecrets = sqliteTable(
  "project_secrets",
  {
    projectId: text("project_id").notNull(),
    name: text("name").notNull(),
    valueEnc: text("value_enc").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("project_secrets_name").on(t.projectId, t.name)],
);
