import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { rollouts } from "../../db/schema";
import { histogramQuantileMs, LATENCY_COLUMNS } from "../../domain/telemetry/buckets";
import { badRequest, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { iso, isoTime } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { rolloutParams } from "./schema";

/** Context shown before the rollout started and after it ended. */
const MARGIN_MS = 10 * 60_000;
/** Minute rows are kept 48 h: the series never reaches further back. */
const MINUTES_KEPT_MS = 48 * 3_600_000;
const MAX_POINTS = 10_000;

const query = z.object({
  step: z.coerce
    .number()
    .int()
    .min(60)
    .max(3600)
    .default(60)
    .openapi({
      param: { name: "step", in: "query" },
      description: "Seconds per point",
      example: 60,
    }),
});

const point = z.object({
  t: isoTime,
  requests: z.number().int(),
  error_rate: z.number().nullable().openapi({ description: "5xx per request, percent" }),
  latency_p99_ms: z.number().nullable(),
});

const response = z
  .object({
    bundle_id: z.string(),
    from: isoTime,
    to: isoTime,
    step: z.number().int(),
    updated: z.array(point).openapi({ description: "nodes reporting the rollout's bundle" }),
    not_updated: z.array(point).openapi({ description: "nodes on any other bundle" }),
  })
  .openapi("RolloutTelemetry");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/rollouts/{rollout_id}/telemetry",
  tags: ["Rollouts"],
  summary: "Error rate and p99 of updated vs not-yet-updated nodes during a rollout",
  description:
    "From the minute rollups of node telemetry, split by the bundle the nodes reported: the " +
    "rollout's bundle (updated) against every other bundle (not updated yet). From 10 minutes " +
    "before the start to 10 minutes after the end (or now), within the last 48 hours.",
  security: operatorSecurity("rollouts:read"),
  middleware: [requireScope("rollouts:read")] as const,
  request: { params: rolloutParams, query },
  responses: {
    200: { description: "Two series", content: { "application/json": { schema: response } } },
    ...operatorErrors,
  },
});

interface Row {
  t: number;
  updated: number;
  requests: number;
  errors: number;
  [bucket: string]: number;
}

function toPoint(r: Row): z.infer<typeof point> {
  return {
    t: iso(r.t),
    requests: r.requests,
    error_rate: r.requests > 0 ? (100 * r.errors) / r.requests : null,
    latency_p99_ms: histogramQuantileMs(
      LATENCY_COLUMNS.map((c) => r[c] ?? 0),
      0.99,
    ),
  };
}

/** GET /api/v1/projects/{project}/rollouts/{rollout_id}/telemetry?step= */
export const registerRolloutTelemetry = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, d1, clock } = c.get("services");
    const project = currentProject(c);
    const { rollout_id: id } = c.req.valid("param");
    const { step } = c.req.valid("query");
    const rollout = await db.query.rollouts.findFirst({
      where: and(eq(rollouts.id, id), eq(rollouts.projectId, project.id)),
      columns: { bundleId: true, startedAt: true, createdAt: true, completedAt: true },
    });
    if (!rollout) {
      throw notFound(`Rollout ${id}`);
    }
    const now = clock.now();
    const stepMs = step * 1000;
    const from = Math.max(
      (rollout.startedAt ?? rollout.createdAt) - MARGIN_MS,
      now - MINUTES_KEPT_MS,
    );
    const to = Math.min(now, (rollout.completedAt ?? now) + MARGIN_MS);
    if (Math.ceil((to - from) / stepMs) > MAX_POINTS) {
      throw badRequest("Too many points", [{ path: "step", message: "use a larger step" }]);
    }
    const sums = LATENCY_COLUMNS.map((col) => `SUM(${col}) AS ${col}`).join(", ");
    const { results } =
      from >= to
        ? { results: [] as Row[] }
        : await d1
            .prepare(
              `SELECT (bucket_start / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS t,
                 CASE WHEN bundle_id = ? THEN 1 ELSE 0 END AS updated,
                 SUM(requests) AS requests, SUM(errors_5xx) AS errors, ${sums}
               FROM telemetry_minutes
               WHERE project_id = ? AND bucket_start >= ? AND bucket_start < ?
               GROUP BY t, updated ORDER BY t`,
            )
            .bind(stepMs, stepMs, rollout.bundleId, project.id, from, to)
            .all<Row>();
    return c.json(
      {
        bundle_id: rollout.bundleId,
        from: iso(from),
        to: iso(to),
        step,
        updated: results.filter((r) => r.updated === 1).map(toPoint),
        not_updated: results.filter((r) => r.updated === 0).map(toPoint),
      },
      200,
    );
  });
