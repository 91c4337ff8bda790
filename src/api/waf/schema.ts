import { z } from "@hono/zod-openapi";
import type { wafAnomalies } from "../../db/schema";
import { RESOLUTIONS, type Resolution } from "../../domain/telemetry/report";
import { badRequest } from "../errors";
import { iso, isoTime } from "../schemas";

export type AnomalyRow = typeof wafAnomalies.$inferSelect;

/** Most points one series request may return. */
export const MAX_POINTS = 10_000;
/** Default range: the last 24 hours. */
export const DEFAULT_RANGE_MS = 86_400_000;
/** Minute rows are kept 48 h by default; older ranges read hours, then days. */
const MINUTES_KEPT_MS = 48 * 3_600_000;
const HOURS_KEPT_MS = 35 * 86_400_000;

const instant = z.iso.datetime({ offset: true });

/** `?from=&to=&service=` shared by the WAF analytics routes. */
export const rangeQuery = z.object({
  from: instant.optional().openapi({
    param: { name: "from", in: "query" },
    description: "Start (inclusive); default: 24 h before `to`",
    example: "2026-12-07T00:00:00Z",
  }),
  to: instant.optional().openapi({
    param: { name: "to", in: "query" },
    description: "End (exclusive); default: now",
    example: "2026-12-07T12:00:00Z",
  }),
  service: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ param: { name: "service", in: "query" }, description: "Only this service" }),
});

/** A resolved time range. */
export interface Range {
  from: number;
  to: number;
}

/** Parses `from`/`to` (defaults: the last 24 h); `from >= to` is a 400 naming both. */
export function resolveRange(q: { from?: string; to?: string }, now: number): Range {
  const to = q.to === undefined ? now : Date.parse(q.to);
  const from = q.from === undefined ? to - DEFAULT_RANGE_MS : Date.parse(q.from);
  if (from >= to) {
    throw badRequest("Empty time range", [
      { path: "from", message: "must be before to" },
      { path: "to", message: "must be after from" },
    ]);
  }
  return { from, to };
}

/**
 * The finest rollup that still holds the whole range: minutes for the last 48 h, hours for
 * 35 days, days beyond.
 */
export function resolutionFor(range: Range, now: number): Resolution {
  if (range.from >= now - MINUTES_KEPT_MS) {
    return "minute";
  }
  return range.from >= now - HOURS_KEPT_MS ? "hour" : "day";
}

/** The WAF rollup table of a resolution. */
export const WAF_TABLES: Record<Resolution, string> = {
  minute: "waf_minutes",
  hour: "waf_hours",
  day: "waf_days",
};

/** Step sizes a series may use, in seconds. */
export const STEP_SECONDS = [60, 300, 3600, 86_400] as const;

/** Checks a series' step against its range and resolution (400 with the reason). */
export function checkStep(range: Range, stepS: number, resolution: Resolution): void {
  const stepMs = stepS * 1000;
  if (stepMs < RESOLUTIONS[resolution]) {
    throw badRequest("Step finer than the stored data", [
      {
        path: "step",
        message: `data this old is kept per ${resolution}: use a step of at least ${RESOLUTIONS[resolution] / 1000} s`,
      },
    ]);
  }
  const points = Math.ceil((range.to - range.from) / stepMs);
  if (points > MAX_POINTS) {
    throw badRequest("Too many points", [
      { path: "step", message: `${points} points; at most ${MAX_POINTS} (use a larger step)` },
    ]);
  }
}

/** One WAF anomaly. */
export const anomalySchema = z
  .object({
    id: z.string().uuid(),
    rule_id: z.string().openapi({ example: "942100" }),
    direction: z.enum(["spike", "drop"]),
    observed: z.number(),
    expected: z.number(),
    stddev: z.number(),
    z: z.number(),
    severity: z.enum(["medium", "high", "critical"]),
    window_start: isoTime,
    window_end: isoTime,
    detected_at: isoTime,
  })
  .openapi("WafAnomaly");

/** API shape of an anomaly row. */
export function toAnomaly(r: AnomalyRow): z.infer<typeof anomalySchema> {
  return {
    id: r.id,
    rule_id: r.ruleId,
    direction: r.direction,
    observed: r.observed,
    expected: r.expected,
    stddev: r.stddev,
    z: r.z,
    severity: r.severity,
    window_start: iso(r.windowStart),
    window_end: iso(r.windowEnd),
    detected_at: iso(r.detectedAt),
  };
}
