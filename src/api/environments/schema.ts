import { z } from "@hono/zod-openapi";
import type { environments } from "../../db/schema";
import { LABEL_KEY_PATTERN } from "../node-api/schema";
import { MAX_SELECTOR_LABELS } from "../rollouts/schema";
import { iso, isoTime, projectParam, uuidParam } from "../schemas";

export type EnvironmentRow = typeof environments.$inferSelect;

/** Most approvals an environment may require. */
export const MAX_APPROVALS_REQUIRED = 10;

/** Environment names: lowercase, digits and dashes, 1–30 characters. */
export const environmentName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,29}$/,
    "must be 1–30 characters: a–z, 0–9 and '-', starting with a letter or digit",
  )
  .openapi({ example: "staging" });

/**
 * The nodes of an environment, in the rollout `target_selector` format and with its rules: every
 * node of the project, or the nodes carrying all of the given labels (no explicit node lists:
 * an environment is a standing selector, fleets change).
 */
export const selectorSchema = z
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
        .refine((labels) => Object.keys(labels).length > 0, "name at least one label")
        .refine(
          (labels) => Object.keys(labels).length <= MAX_SELECTOR_LABELS,
          `at most ${MAX_SELECTOR_LABELS} labels`,
        ),
    }),
  ])
  .openapi("EnvironmentSelector", { example: { type: "labels", labels: { env: "staging" } } });

export type EnvironmentSelector = z.infer<typeof selectorSchema>;

/** Approvals a promotion into the environment needs before its rollout starts. */
export const approvalsRequired = z
  .number()
  .int()
  .min(0)
  .max(MAX_APPROVALS_REQUIRED)
  .openapi({ example: 1 });

/** Position in the promotion order (dev 0 → staging 1 → production 2). */
export const ordinal = z.number().int().min(0).max(1000).openapi({ example: 1 });

/** Path parameters `{project}` and `{environment_id}`. */
export const environmentParams = projectParam.extend({
  environment_id: uuidParam("environment_id"),
});

export const environmentSchema = z
  .object({
    id: z.string().uuid(),
    name: environmentName,
    ordinal,
    selector: selectorSchema,
    approvals_required: approvalsRequired,
    created_at: isoTime,
  })
  .openapi("Environment");

export type EnvironmentResponse = z.infer<typeof environmentSchema>;

/** API shape of an environment row (its selector was validated on the way in). */
export function toEnvironment(row: EnvironmentRow): EnvironmentResponse {
  return {
    id: row.id,
    name: row.name,
    ordinal: row.ordinal,
    selector: row.selector as EnvironmentSelector,
    approvals_required: row.approvalsRequired,
    created_at: iso(row.createdAt),
  };
}

/** What the audit log records about an environment (its definition, no ids or times). */
export function auditFacts(e: EnvironmentResponse): Record<string, unknown> {
  return {
    name: e.name,
    ordinal: e.ordinal,
    selector: e.selector,
    approvals_required: e.approvals_required,
  };
}
