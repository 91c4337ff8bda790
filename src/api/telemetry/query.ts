import { createRoute, z } from "@hono/zod-openapi";
import { histogramQuantileMs, LATENCY_COLUMNS } from "../../domain/telemetry/buckets";
import { type Counts, RESOLUTIONS, zeroCounts } from "../../domain/telemetry/report";
import { badRequest, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";

/** Most points one query may return. */
export const MAX_QUERY_POINTS = 10_000;

/** Points the derived step aims at when the caller gives none (a chart's worth). */
const DEFAULT_STEP_POINTS = 1_440;

/** Window when the caller gives no `from`. */
const DEFAULT_WINDOW_MS = 3_600_000;

/** Queryable metrics, computed from summed counts (never averaged percentiles). */
export const QUERY_METRICS = {
  requests: (c: Counts) => c.requests,
  errors_5xx: (c: Counts) => c.errors5xx,
  errors_4xx: (c: Counts) => c.errors4xx,
  error_rate: (c: Counts) => (c.requests > 0 ? (c.errors5xx / c.requests) * 100 : null),
  latency_p50_ms: (c: Counts) => histogramQuantileMs(c.latency, 0.5),
  latency_p95_ms: (c: Counts) => histogramQuantileMs(c.latency, 0.95),
  latency_p99_ms: (c: Counts) => histogramQuantileMs(c.latency, 0.99),
} as const satisfies Record<string, (c: Counts) => number | null>;

type MetricName = keyof typeof QUERY_METRICS;
const METRIC_NAMES = Object.keys(QUERY_METRICS) as [MetricName, ...MetricName[]];

const query = z.object({
  metric: z
    .enum(METRIC_NAMES)
    .default("requests")
    .openapi({ param: { name: "metric", in: "query" }, description: "default requests" }),
  service: z
    .string()
    .max(128)
    .optional()
    .openapi({ param: { name: "service", in: "query" } }),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name: "from", in: "query" }, description: "default: 1 h before `to`" }),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name: "to", in: "query" }, description: "default: now" }),
  step: z.coerce
    .number()
    .int()
    .min(60)
    .optional()
    .openapi({
      param: { name: "step", in: "query" },
      description: `seconds, at least 60; default: the smallest of 60, 3600 and 86400 that gives at most ${DEFAULT_STEP_POINTS} points`,
    }),
});

const response = z
  .object({
    metric: z.string(),
    service: z.string().nullable(),
    step_seconds: z.number().int(),
    resolution: z.enum(["minute", "hour", "day"]),
    points: z.array(z.tuple([z.string(), z.number().nullable()])),
  })
  .openapi("MetricSeries");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/metrics/query",
  tags: ["Telemetry"],
  summary: "A metric series from the telemetry rollups",
  description:
    `Points at \`step\` seconds from \`from\` to \`to\`; at most ${MAX_QUERY_POINTS}. The rollup ` +
    "level follows the step (minutes below 1 h, hours below 1 day, days above). Percentiles " +
    "come from summed latency buckets.",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: { description: "The series", content: { "application/json": { schema: response } } },
    ...operatorErrors,
  },
});

/** The finest rollup step that keeps a window within {@link DEFAULT_STEP_POINTS} points. */
function defaultStepSeconds(windowMs: number): number {
  const steps = [RESOLUTIONS.minute, RESOLUTIONS.hour, RESOLUTIONS.day];
  const fits = steps.find((ms) => Math.floor(windowMs / ms) + 1 <= DEFAULT_STEP_POINTS);
  return (fits ?? RESOLUTIONS.day) / 1000;
}

const SUMS = ["requests", "errors_5xx", "errors_4xx", ...LATENCY_COLUMNS]
  .map((c) => `SUM(${c}) AS ${c}`)
  .join(", ");

/** GET /api/v1/projects/{project}/metrics/query */
export const registerMetricsQuery = (app: App) =>
  app.openapi(route, async (c) => {
    const { d1 } = c.get("services");
    const project = currentProject(c);
    const q = c.req.valid("query");
    const to = q.to === undefined ? Date.now() : Date.parse(q.to);
    const from = q.from === undefined ? to - DEFAULT_WINDOW_MS : Date.parse(q.from);
    const stepSeconds = q.step ?? defaultStepSeconds(to - from);
    const stepMs = stepSeconds * 1000;
    if (from > to) {
      throw badRequest("from is after to", [{ path: "from", message: "must not be after to" }]);
    }
    const points = Math.floor((to - from) / stepMs) + 1;
    if (points > MAX_QUERY_POINTS) {
      throw badRequest(`The query would return ${points} points`, [
        { path: "step", message: `at most ${MAX_QUERY_POINTS} points: use a larger step` },
      ]);
    }
    const resolution =
      stepMs >= RESOLUTIONS.day ? "day" : stepMs >= RESOLUTIONS.hour ? "hour" : "minute";
    const table = `telemetry_${resolution}s`;
    const { results } = await d1
      .prepare(
        `SELECT bucket_start, ${SUMS} FROM ${table}
         WHERE project_id = ? AND (?2 IS NULL OR service = ?2) AND bucket_start >= ? AND bucket_start <= ?
         GROUP BY bucket_start`,
      )
      .bind(project.id, q.service ?? null, from, to)
      .all<Record<string, number>>();
    const buckets = new Map<number, Counts>();
    for (const row of results) {
      const index = Math.floor((Number(row.bucket_start) - from) / stepMs);
      const sum = buckets.get(index) ?? zeroCounts();
      sum.requests += Number(row.requests ?? 0);
      sum.errors5xx += Number(row.errors_5xx ?? 0);
      sum.errors4xx += Number(row.errors_4xx ?? 0);
      sum.latency = sum.latency.map((v, i) => v + Number(row[LATENCY_COLUMNS[i] ?? ""] ?? 0));
      buckets.set(index, sum);
    }
    const metric = QUERY_METRICS[q.metric];
    const series: Array<[string, number | null]> = [];
    for (let i = 0; i < points; i += 1) {
      const counts = buckets.get(i);
      series.push([new Date(from + i * stepMs).toISOString(), counts ? metric(counts) : null]);
    }
    return c.json(
      {
        metric: q.metric,
        service: q.service ?? null,
        step_seconds: stepSeconds,
        resolution,
        points: series,
      },
      200,
    );
  });
