import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { createdAt, id, json } from "./columns";
import { projects } from "./tenancy";

export const NODE_STATUSES = ["online", "offline", "unknown"] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** What a node last said about its health (free-form beyond `status`). */
export type NodeHealth = { status?: "healthy" | "degraded" | "unhealthy" } & Record<
  string,
  unknown
>;
/** Metrics the gates read; other keys are kept for display. */
export type NodeMetrics = {
  error_rate?: number;
  latency_p99_ms?: number;
  cpu_percent?: number;
  memory_percent?: number;
  request_count?: number;
} & Record<string, unknown>;

export const nodes = sqliteTable(
  "nodes",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    name: text("name").notNull(),
    /** SHA-256 hex of the static node key; indexed for O(1) authentication. */
    keyHash: text("key_hash").notNull().unique(),
    labels: json<Record<string, string>>("labels").notNull().default({}),
    capabilities: json<string[]>("capabilities").notNull().default([]),
    version: text("version"),
    hostname: text("hostname"),
    ip: text("ip"),
    metadata: json<Record<string, unknown>>("metadata").notNull().default({}),
    status: text("status", { enum: NODE_STATUSES }).notNull().default("unknown"),
    revokedAt: integer("revoked_at"),
    registeredAt: integer("registered_at").notNull(),
    lastSeenAt: integer("last_seen_at"),
    /** The node's own truth: what it reported running in its last heartbeat or report. */
    activeBundleId: text("active_bundle_id"),
    stagedBundleId: text("staged_bundle_id"),
    /** What the control plane wants it to run (rollouts, rollbacks, direct assignment). */
    desiredBundleId: text("desired_bundle_id"),
    /** The desired bundle is a rollback: the agent may accept a lower sequence. */
    desiredIsRollback: integer("desired_is_rollback", { mode: "boolean" }).notNull().default(false),
    desiredRolloutId: text("desired_rollout_id"),
    desiredSetAt: integer("desired_set_at"),
    /** When set, planners leave this node on this bundle. */
    pinnedBundleId: text("pinned_bundle_id"),
    health: json<NodeHealth>("health"),
    metrics: json<NodeMetrics>("metrics"),
    lastHeartbeatAt: integer("last_heartbeat_at"),
    /** Since when active != desired (drift detection); null when converged. */
    divergedSince: integer("diverged_since"),
    tokenIssuedAt: integer("token_issued_at"),
    /**
     * SHA-256 of (enrollment token id, Idempotency-Key) of the registration: a retried register
     * whose first response was lost is recognised and answered again (with a fresh key).
     */
    registrationHash: text("registration_hash"),
  },
  (t) => [
    uniqueIndex("nodes_project_name").on(t.projectId, t.name),
    index("nodes_project_status").on(t.projectId, t.status),
    index("nodes_project_registered").on(t.projectId, t.registeredAt),
    index("nodes_last_seen").on(t.status, t.lastSeenAt),
    index("nodes_desired_bundle").on(t.desiredBundleId),
    index("nodes_active_bundle").on(t.activeBundleId),
  ],
);

/** Every bundle ever assigned to a node: the download route allows exactly these. */
export const nodeAssignments = sqliteTable(
  "node_assignments",
  {
    nodeId: text("node_id").notNull(),
    bundleId: text("bundle_id").notNull(),
    firstAssignedAt: integer("first_assigned_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.nodeId, t.bundleId] })],
);

/** Bounded heartbeat history (the cron keeps the newest N per node). */
export const nodeHeartbeats = sqliteTable(
  "node_heartbeats",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    nodeId: text("node_id").notNull(),
    projectId: text("project_id").notNull(),
    health: json<NodeHealth>("health"),
    metrics: json<NodeMetrics>("metrics"),
    activeBundleId: text("active_bundle_id"),
    stagedBundleId: text("staged_bundle_id"),
    createdAt: createdAt(),
  },
  (t) => [index("node_heartbeats_node_created").on(t.nodeId, t.createdAt)],
);

export const NODE_EVENT_TYPES = [
  "config_reload",
  "bundle_switch",
  "error",
  "startup",
  "shutdown",
  "warning",
  "info",
] as const;
export const NODE_EVENT_SEVERITIES = ["debug", "info", "warn", "error"] as const;

export const nodeEvents = sqliteTable(
  "node_events",
  {
    id: id(),
    nodeId: text("node_id").notNull(),
    projectId: text("project_id").notNull(),
    eventType: text("event_type").notNull(),
    severity: text("severity").notNull(),
    message: text("message").notNull(),
    metadata: json<Record<string, unknown>>("metadata").notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index("node_events_node_created").on(t.nodeId, t.createdAt),
    index("node_events_created").on(t.createdAt),
  ],
);

/** The config a node says it actually runs (one row per node). */
export const nodeRuntimeConfigs = sqliteTable("node_runtime_configs", {
  nodeId: text("node_id").primaryKey(),
  projectId: text("project_id").notNull(),
  configKdl: text("config_kdl").notNull(),
  configHash: text("config_hash").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const driftEvents = sqliteTable(
  "drift_events",
  {
    id: id(),
    projectId: text("project_id").notNull(),
    nodeId: text("node_id").notNull(),
    expectedBundleId: text("expected_bundle_id"),
    actualBundleId: text("actual_bundle_id"),
    detectedAt: integer("detected_at").notNull(),
    resolvedAt: integer("resolved_at"),
    resolution: text("resolution"),
    remediated: integer("remediated", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("drift_events_project").on(t.projectId, t.detectedAt),
    index("drift_events_node_open").on(t.nodeId, t.resolvedAt),
  ],
);
