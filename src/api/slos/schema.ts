import { z } from "@hono/zod-openapi";
import type { SloAlerting, SloRow } from "../../db/schema";
import { LATENCY_BOUNDS_MS } from "../../domain/telemetry/buckets";
import { iso, isoTime, projectParam, uuidParam } from "../schemas";

export type { SloRow };

/** Path parameters `{project}` and `{slo_id}`. */
export const sloParams = projectParam.extend({ slo_id: uuidParam("slo_id") });

/** Service names as nodes report them. */
export const serviceName = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, "1–128 printable characters without spaces")
  .openapi({ example: "api" });

const policyInput = z
  .object({
    burn_rate: z.number().optional(),
    long_window_seconds: z.number().int().optional(),
    short_window_seconds: z.number().int().optional(),
  })
  .nullable()
  .optional();

/** Partial alerting policy (missing fields take the defaults or the stored values). */
export const alertingInput = z
  .object({ page: policyInput, ticket: policyInput })
  .nullable()
  .optional()
  .openapi({
    description:
      "Multiwindow, multi-burn-rate alerts. Defaults: page 14.4× over 3600 s and 300 s, " +
      "ticket 6× over 21600 s and 1800 s.",
    example: { page: { burn_rate: 14.4 } },
  });

/** Fields shared by create and update. */
export const sloFields = {
  name: z.string().trim().min(1).max(100).openapi({ example: "API availability" }),
  description: z.string().max(1000).nullable().optional(),
  service: serviceName.nullable().optional().openapi({
    description: "the service (route) measured; null or omitted: the whole project",
  }),
  objective: z.enum(["availability", "latency"]).openapi({
    description: "availability: non-5xx share of requests; latency: share at most the threshold",
  }),
  target: z.number().openapi({ example: 99.9, description: "percent, 0 < target < 100" }),
  latency_threshold_ms: z
    .number()
    .int()
    .nullable()
    .optional()
    .openapi({ description: `latency objectives: one of ${LATENCY_BOUNDS_MS.join(", ")}` }),
  window_days: z
    .number()
    .int()
    .optional()
    .openapi({ example: 28, description: "1–35, default 28" }),
  alerting: alertingInput,
};

const policySchema = z.object({
  burn_rate: z.number(),
  long_window_seconds: z.number().int(),
  short_window_seconds: z.number().int(),
});

/** An SLO as the API returns it. */
export const sloSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    description: z.string().nullable(),
    service: z.string().nullable(),
    objective: z.enum(["availability", "latency"]),
    target: z.number(),
    latency_threshold_ms: z.number().int().nullable(),
    window_days: z.number().int(),
    alerting: z.object({ page: policySchema, ticket: policySchema }),
    status: z
      .object({
        computed_at: isoTime,
        sli: z.number().nullable(),
        error_budget_remaining: z.number().nullable(),
        total: z.number(),
        bad: z.number(),
        burn_rates: z.record(z.string(), z.number().nullable()),
        firing: z.array(z.enum(["page", "ticket"])),
      })
      .nullable()
      .openapi({ description: "last SLI job result (every 5 minutes); null before the first" }),
    created_by: z.string(),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .openapi("Slo");

/** The API view of a row. */
export function toSlo(row: SloRow): z.infer<typeof sloSchema> {
  const alerting: SloAlerting = row.alerting;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    service: row.service,
    objective: row.objective,
    target: row.target,
    latency_threshold_ms: row.latencyThresholdMs,
    window_days: row.windowDays,
    alerting,
    status: row.status ? { ...row.status, computed_at: iso(row.status.computed_at) } : null,
    created_by: row.createdBy,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}
