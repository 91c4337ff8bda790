import { z } from "@hono/zod-openapi";
import {
  NODE_STATUSES,
  ROLLOUT_STATES,
  ROLLOUT_STRATEGIES,
  type RolloutSpecInput,
  resolveRolloutSpec,
  validateRolloutSpec,
} from "../../domain/rollout";
import { MAX_ROLLOUT_NODES } from "../../services/rollout-target";
import { bundleIdSchema } from "../bundles/schema";
import { LABEL_KEY_PATTERN } from "../node-api/schema";
import { isoTime, projectParam, uuidParam } from "../schemas";

/** Labels a `labels` selector may require (two bound parameters each). */
export const MAX_SELECTOR_LABELS = 20;

const EXAMPLE_ROLLOUT_ID = "3b0f6c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f";

/** Path parameters `{project}` and `{rollout_id}`. */
export const rolloutParams = projectParam.extend({ rollout_id: uuidParam("rollout_id") });

const number = () => z.number().nullable().optional();

const targetSelector = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("all") }),
    z.object({
      type: z.literal("labels"),
      labels: z
        .record(
          z
            .string()
            .regex(LABEL_KEY_PATTERN, "label keys are 1–63 characters: letters, digits, _ . / -"),
          z.string().max(255),
        )
        .refine((l) => Object.keys(l).length >= 1 && Object.keys(l).length <= MAX_SELECTOR_LABELS, {
          message: `1 to ${MAX_SELECTOR_LABELS} labels`,
        }),
    }),
    z.object({
      type: z.literal("node_ids"),
      node_ids: z.array(z.string().uuid()).min(1).max(MAX_ROLLOUT_NODES),
    }),
  ])
  .openapi("RolloutTargetSelector", { example: { type: "labels", labels: { region: "eu" } } });

/**
 * The spec fields of the create body. Types only: ranges and cross-field rules are checked by
 * the domain's `validateRolloutSpec` (the create body's refinement), so each rule has one home.
 */
const specFields = {
  strategy: z.enum(ROLLOUT_STRATEGIES).nullable().optional().openapi({ example: "rolling" }),
  batch_size: number().openapi({ example: 5 }),
  batch_percentage: number().openapi({ example: null }),
  max_unavailable: number().openapi({ example: 0 }),
  progress_deadline_seconds: number().openapi({ example: 600 }),
  bake_seconds: number().openapi({ example: 60 }),
  health_gates: z
    .object({
      heartbeat_healthy: z.boolean().optional(),
      max_error_rate: number().openapi({ description: "percent" }),
      max_latency_ms: number(),
      max_cpu_percent: number(),
      max_memory_percent: number(),
      slo_burn_rate: z
        .object({
          slo_id: z.string().uuid(),
          max_burn_rate: number().openapi({ description: "default: the SLO's page burn rate" }),
          window_seconds: number().openapi({ description: "60–3600, default 300" }),
          min_events: number().openapi({ description: "default 200" }),
          confidence: number().openapi({ description: "default 0.95" }),
          action: z.enum(["fail", "pause"]).nullable().optional(),
        })
        .nullable()
        .optional()
        .openapi({
          description:
            "Fails (default; rolls back with auto_rollback) or pauses the rollout when the " +
            "nodes running its bundle burn the SLO's error budget above max_burn_rate over " +
            "window_seconds and significantly more than the nodes not yet updated.",
        }),
    })
    .nullable()
    .optional()
    .openapi({ example: { heartbeat_healthy: true, max_error_rate: 5, max_latency_ms: 500 } }),
  auto_rollback: z.boolean().nullable().optional().openapi({ example: true }),
  canary: z
    .object({
      steps: z.array(z.number()).optional(),
      analysis_window_seconds: z.number().optional(),
      confidence: z.number().optional(),
      max_analysis_seconds: z.number().optional(),
      min_request_count: z.number().optional(),
      min_latency_samples: z.number().optional(),
      auto_promote: z.boolean().optional(),
    })
    .nullable()
    .optional()
    .openapi({
      example: { steps: [5, 25, 50, 100], analysis_window_seconds: 300, confidence: 0.95 },
    }),
  blue_green: z
    .object({ green_percentage: z.number().optional(), auto_promote: z.boolean().optional() })
    .nullable()
    .optional()
    .openapi({ example: { green_percentage: 50, auto_promote: false } }),
  gate_failure_seconds: number().openapi({ example: 60 }),
  rollback_deadline_seconds: number().openapi({ example: 600 }),
};

type SpecField = keyof typeof specFields;

/**
 * Adds the domain's spec problems to the schema's own. Runs even when some fields failed their
 * type check (`when`), using only the fields that parsed, so one 400 lists every problem; a
 * field whose type is wrong is reported once, by the schema.
 */
function addSpecProblems(value: unknown, ctx: z.RefinementCtx): void {
  const raw: Record<string, unknown> =
    typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const failed = new Set(ctx.issues.map((issue) => String(issue.path?.[0] ?? "")));
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(specFields) as SpecField[]) {
    if (failed.has(key)) {
      continue;
    }
    const parsed = specFields[key].safeParse(raw[key]);
    if (parsed.success) {
      input[key] = parsed.data;
    }
  }
  for (const problem of validateRolloutSpec(resolveRolloutSpec(input as RolloutSpecInput))) {
    const path = problem.path.split(".");
    if (!failed.has(path[0] ?? "")) {
      ctx.addIssue({ code: "custom", path, message: problem.message });
    }
  }
}

/** The rollout create body (`api.md`); unknown fields are ignored. */
export const createRolloutBody = z
  .object({
    bundle_id: bundleIdSchema,
    target_selector: targetSelector,
    ...specFields,
    scheduled_at: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .openapi({ description: "start time; null or past = as soon as approved", example: null }),
  })
  .superRefine(addSpecProblems, { when: () => true })
  .openapi("RolloutCreate");

/** A parsed create body. */
export type CreateRolloutBody = z.infer<typeof createRolloutBody>;

const counts = z.object(Object.fromEntries(NODE_STATUSES.map((s) => [s, z.number().int()])));

const errorSchema = z
  .object({
    reason: z.string().openapi({ example: "node_activation_failed" }),
    message: z.string().openapi({ example: "1 node(s) failed to activate (max_unavailable 0)" }),
    step_index: z.number().int().nullable(),
    node_ids: z.array(z.string()),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi("RolloutError");

const stepSchema = z
  .object({
    index: z.number().int(),
    state: z.string().openapi({ example: "completed" }),
    node_count: z.number().int(),
    started_at: isoTime.nullable(),
    completed_at: isoTime.nullable(),
    analysis: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "canary verdict with its reasons, p-values, means and counts" }),
    error: errorSchema
      .nullable()
      .openapi({ description: "why the step failed, with gate numbers" }),
  })
  .openapi("RolloutStep");

const approvalSchema = z
  .object({
    actor_id: z.string(),
    decision: z.enum(["approve", "reject"]),
    comment: z.string().nullable(),
    created_at: isoTime,
  })
  .openapi("RolloutApproval");

const summaryFields = {
  id: z.string().uuid().openapi({ example: EXAMPLE_ROLLOUT_ID }),
  project_id: z.string().uuid(),
  bundle_id: bundleIdSchema,
  state: z.enum(ROLLOUT_STATES).openapi({ example: "running" }),
  strategy: z.enum(ROLLOUT_STRATEGIES).openapi({ example: "rolling" }),
  current_step: z.number().int().nullable().openapi({ example: 1 }),
  step_count: z.number().int().openapi({ example: 10 }),
  progress: counts.extend({ total: z.number().int() }).openapi({
    example: {
      pending: 40,
      assigned: 5,
      staged: 0,
      active: 0,
      verified: 5,
      failed: 0,
      skipped: 0,
      rolled_back: 0,
      total: 50,
    },
  }),
  approvals_required: z.number().int().openapi({ example: 0 }),
  error: errorSchema.nullable(),
  created_by: z.string().openapi({ example: "user:7c1e8a4e-2f3b-4b8e-9d61-0a7f0d2c5e11" }),
  created_at: isoTime,
  scheduled_at: isoTime.nullable(),
  started_at: isoTime.nullable(),
  completed_at: isoTime.nullable(),
  updated_at: isoTime,
  next_tick_at: isoTime.nullable(),
};

/** A rollout in lists. */
export const rolloutSummarySchema = z.object(summaryFields).openapi("RolloutSummary");

/** One rollout with its spec, steps and approvals. */
export const rolloutSchema = z
  .object({
    ...summaryFields,
    spec: z.record(z.string(), z.unknown()),
    steps: z.array(stepSchema).openapi({ description: "started steps (the latest 100)" }),
    approvals: z.array(approvalSchema),
  })
  .openapi("Rollout");

/** A node's status within a rollout. */
export const rolloutNodeSchema = z
  .object({
    node_id: z.string().uuid(),
    node_name: z.string().nullable().openapi({ example: "edge-eu-1" }),
    step_index: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "null for nodes the planner skipped", example: 0 }),
    state: z.enum(NODE_STATUSES).openapi({ example: "verified" }),
    previous_bundle_id: bundleIdSchema.nullable().openapi({
      description: "what the node ran before; a rollback restores it",
    }),
    assigned_at: isoTime.nullable(),
    activated_at: isoTime.nullable(),
    error: z.string().nullable().openapi({ example: null }),
    updated_at: isoTime,
  })
  .openapi("RolloutNode");

/** API shapes. */
export type RolloutView = z.infer<typeof rolloutSchema>;
export type RolloutSummaryView = z.infer<typeof rolloutSummarySchema>;
export type RolloutNodeView = z.infer<typeof rolloutNodeSchema>;
