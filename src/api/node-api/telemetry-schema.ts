/**
 * Wire schema of `POST /nodes/{id}/telemetry` and its conversion to the domain report. Every
 * count is a delta over the node's interval; every problem is reported at once.
 */
import { z } from "@hono/zod-openapi";
import { LATENCY_BOUNDS_MS, LATENCY_BUCKET_COUNT } from "../../domain/telemetry/buckets";
import type { TelemetryReport } from "../../domain/telemetry/report";
import { bundleIdSchema } from "./schema";

/** Largest accepted telemetry body: far above a real report (100 services ≈ 25 KiB). */
export const MAX_TELEMETRY_BODY_BYTES = 256 * 1024;
/** Services (routes) per report. */
export const MAX_SERVICES_PER_REPORT = 200;
/** WAF rules per report. */
export const MAX_WAF_RULES_PER_REPORT = 500;
/** A report may start at most this far in the node's future (clock skew tolerance). */
export const MAX_FUTURE_SKEW_MS = 10 * 60_000;

/** Service names and rule ids: 1–128 printable ASCII characters without spaces. */
const NAME_PATTERN = /^[\x21-\x7e]{1,128}$/;
const name = (what: string) =>
  z.string().regex(NAME_PATTERN, `${what} is 1–128 printable characters without spaces`);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const serviceDelta = z
  .object({
    service: name("service").openapi({ example: "api" }),
    requests: count.openapi({ example: 1200 }),
    errors_5xx: count.default(0).openapi({ example: 3 }),
    errors_4xx: count.default(0).openapi({ example: 25 }),
    latency_sum_ms: z.number().min(0).default(0).openapi({ example: 48210.5 }),
    latency_buckets: z
      .array(count)
      .length(LATENCY_BUCKET_COUNT, `must have ${LATENCY_BUCKET_COUNT} counts`)
      .default(new Array<number>(LATENCY_BUCKET_COUNT).fill(0))
      .openapi({
        description:
          `Non-cumulative request counts per latency bucket, upper bounds (ms) ` +
          `${LATENCY_BOUNDS_MS.join(", ")}, then +Inf.`,
        example: [400, 300, 250, 150, 60, 25, 10, 3, 1, 1, 0, 0],
      }),
  })
  .superRefine((s, ctx) => {
    if (s.errors_5xx + s.errors_4xx > s.requests) {
      ctx.addIssue({
        code: "custom",
        path: ["errors_5xx"],
        message: "errors_5xx + errors_4xx must not exceed requests",
      });
    }
    const observed = s.latency_buckets.reduce((a, b) => a + b, 0);
    if (observed > s.requests) {
      ctx.addIssue({
        code: "custom",
        path: ["latency_buckets"],
        message: "latency bucket counts must not exceed requests",
      });
    }
  });

const wafDelta = z.object({
  rule_id: name("rule_id").openapi({ example: "942100" }),
  service: name("service").default("_all").openapi({ example: "api" }),
  blocked: count.default(0),
  challenged: count.default(0),
});

/** The request body. */
export const telemetryBody = z
  .object({
    interval_start: z.iso
      .datetime({ offset: true })
      .openapi({ example: "2026-12-07T14:00:00.000Z", description: "start of the interval" }),
    interval_seconds: z.number().int().min(1).max(3600).openapi({ example: 30 }),
    bundle_id: bundleIdSchema.nullable().optional().openapi({
      description: "bundle run during the interval (default: the node's reported active bundle)",
    }),
    services: z.array(serviceDelta).max(MAX_SERVICES_PER_REPORT).default([]),
    waf: z.array(wafDelta).max(MAX_WAF_RULES_PER_REPORT).default([]),
  })
  .openapi("TelemetryReport", {
    description:
      "Deltas since the previous report. `(node, interval_start)` is the idempotency key: a " +
      "retry with the same interval_start is acknowledged and never counted twice.",
  });

/** The parsed body. */
export type TelemetryBody = z.infer<typeof telemetryBody>;

/** The body as a domain report; `fallbackBundle` is the node's reported active bundle. */
export function toReport(body: TelemetryBody, fallbackBundle: string | null): TelemetryReport {
  const bundle = body.bundle_id === undefined ? fallbackBundle : body.bundle_id;
  return {
    intervalStart: Date.parse(body.interval_start),
    intervalSeconds: body.interval_seconds,
    bundleId: bundle ?? "",
    services: body.services.map((s) => ({
      service: s.service,
      requests: s.requests,
      errors5xx: s.errors_5xx,
      errors4xx: s.errors_4xx,
      latencySumMs: s.latency_sum_ms,
      latency: s.latency_buckets,
    })),
    waf: body.waf.map((w) => ({
      ruleId: w.rule_id,
      service: w.service,
      blocked: w.blocked,
      challenged: w.challenged,
    })),
  };
}
