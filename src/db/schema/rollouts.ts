import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ROLLOUT_STRATEGIES } from "../../domain/rollout/spec";
import { NODE_STATUSES, ROLLOUT_STATES } from "../../domain/rollout/types";
import { createdAt, id, json } from "./columns";
import { projects } from "./tenancy";

// The rollout, per-node and strategy lists are the domain's; the schema only stores them.
export { ROLLOUT_STATES };
/** Per-node states within a rollout (`api.md`). */
export const ROLLOUT_NODE_STATES = NODE_STATUSES;
export type RolloutState = (typeof ROLLOUT_STATES)[number];
export type RolloutNodeState = (typeof ROLLOUT_NODE_STATES)[number];

/**
 * Summary row of a rollout. The Durable Object named by the rollout id owns the authoritative
 * state; it writes this row (and steps, nodes) on every transition so lists and filters are
 * plain SQL.
 */
export const rollouts = sqliteTable(
  "rollouts",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    bundleId: text("bundle_id").notNull(),
    state: text("state", { enum: ROLLOUT_STATES }).notNull(),
    strategy: text("strategy", { enum: ROLLOUT_STRATEGIES }).notNull(),
    /** The validated create body (selector, batches, gates, canary, …). */
    spec: json<Record<string, unknown>>("spec").notNull(),
    progress: json<Record<string, number>>("progress").notNull().default({}),
    currentStep: integer("current_step"),
    stepCount: integer("step_count").notNull().default(0),
    error: json<Record<string, unknown>>("error"),
    createdBy: text("created_by").notNull(),
    createdByUserId: text("created_by_user_id"),
    scheduledAt: integer("scheduled_at"),
    startedAt: integer("started_at"),
    completedAt: integer("completed_at"),
    /** Next time the DO expects to tick; the cron watchdog re-arms overdue active rollouts. */
    nextTickAt: integer("next_tick_at"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("rollouts_project_created").on(t.projectId, t.createdAt),
    index("rollouts_state").on(t.state, t.nextTickAt),
  ],
);

export const rolloutSteps = sqliteTable(
  "rollout_steps",
  {
    rolloutId: text("rollout_id").notNull(),
    stepIndex: integer("step_index").notNull(),
    state: text("state").notNull(),
    nodeCount: integer("node_count").notNull(),
    startedAt: integer("started_at"),
    completedAt: integer("completed_at"),
    /** Gate evaluations and canary verdicts with their numbers. */
    analysis: json<Record<string, unknown>>("analysis"),
    error: json<Record<string, unknown>>("error"),
  },
  (t) => [primaryKey({ columns: [t.rolloutId, t.stepIndex] })],
);

export const rolloutNodes = sqliteTable(
  "rollout_nodes",
  {
    rolloutId: text("rollout_id").notNull(),
    nodeId: text("node_id").notNull(),
    stepIndex: integer("step_index").notNull(),
    state: text("state", { enum: ROLLOUT_NODE_STATES }).notNull(),
    /** The bundle the node ran before this rollout assigned it; rollback restores it. */
    previousBundleId: text("previous_bundle_id"),
    assignedAt: integer("assigned_at"),
    activatedAt: integer("activated_at"),
    error: text("error"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.rolloutId, t.nodeId] }),
    index("rollout_nodes_node").on(t.nodeId, t.rolloutId),
    index("rollout_nodes_step").on(t.rolloutId, t.stepIndex),
  ],
);

export const rolloutApprovals = sqliteTable(
  "rollout_approvals",
  {
    id: id(),
    rolloutId: text("rollout_id").notNull(),
    actorId: text("actor_id").notNull(),
    decision: text("decision", { enum: ["approve", "reject"] }).notNull(),
    comment: text("comment"),
    createdAt: createdAt(),
  },
  (t) => [index("rollout_approvals_rollout").on(t.rolloutId)],
);

/** Periods during which new rollouts may not start (project-wide). */
export const freezeWindows = sqliteTable(
  "freeze_windows",
  {
    id: id(),
    projectId: text("project_id").notNull(),
    name: text("name").notNull(),
    reason: text("reason"),
    startsAt: integer("starts_at").notNull(),
    endsAt: integer("ends_at").notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
  },
  (t) => [index("freeze_windows_project").on(t.projectId, t.endsAt)],
);

/** Promotion environments: a label selector with its own approval requirement. */
export const environments = sqliteTable(
  "environments",
  {
    id: id(),
    projectId: text("project_id").notNull(),
    name: text("name").notNull(),
    ordinal: integer("ordinal").notNull(),
    selector: json<Record<string, unknown>>("selector").notNull(),
    approvalsRequired: integer("approvals_required").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index("environments_project").on(t.projectId, t.ordinal)],
);
