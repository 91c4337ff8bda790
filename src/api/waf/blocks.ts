import { createRoute, z } from "@hono/zod-openapi";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { iso, isoTime, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { checkStep, rangeQuery, resolutionFor, resolveRange, WAF_TABLES } from "./schema";

const query = rangeQuery.extend({
  step: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(300)
    .openapi({
      param: { name: "step", in: "query" },
      description: "Seconds per point (60–86400, at least the stored resolution)",
      example: 300,
    }),
  rule_id: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ param: { name: "rule_id", in: "query" }, description: "Only this WAF rule" }),
});

const response = z
  .object({
    from: isoTime,
    to: isoTime,
    step: z.number().int(),
    resolution: z.enum(["minute", "hour", "day"]),
    points: z.array(
      z.object({
        t: isoTime.openapi({ description: "start of the step" }),
        blocked: z.number().int(),
        challenged: z.number().int(),
      }),
    ),
  })
  .openapi("WafBlocksSeries");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/waf/blocks",
  tags: ["WAF analytics"],
  summary: "Blocked and challenged requests over time",
  description:
    "One point per step (steps without decisions are omitted). A step finer than the stored " +
    "resolution of the range, or more than 10,000 points, is a 400.",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: { description: "Series", content: { "application/json": { schema: response } } },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/waf/blocks?from=&to=&step=&rule_id=&service= */
export const registerWafBlocks = (app: App) =>
  app.openapi(route, async (c) => {
    const { d1, clock } = c.get("services");
    const project = currentProject(c);
    const q = c.req.valid("query");
    const now = clock.now();
    const range = resolveRange(q, now);
    const resolution = resolutionFor(range, now);
    checkStep(range, q.step, resolution);
    const stepMs = q.step * 1000;
    const { results } = await d1
      .prepare(
        `SELECT (bucket_start / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS t, SUM(blocked) AS blocked, SUM(challenged) AS challenged
         FROM ${WAF_TABLES[resolution]}
         WHERE project_id = ? AND bucket_start >= ? AND bucket_start < ?
           AND (? IS NULL OR service = ?) AND (? IS NULL OR rule_id = ?)
         GROUP BY t ORDER BY t`,
      )
      .bind(
        stepMs,
        stepMs,
        project.id,
        range.from,
        range.to,
        q.service ?? null,
        q.service ?? null,
        q.rule_id ?? null,
        q.rule_id ?? null,
      )
      .all<{ t: number; blocked: number; challenged: number }>();
    return c.json(
      {
        from: iso(range.from),
        to: iso(range.to),
        step: q.step,
        resolution,
        points: results.map((r) => ({ t: iso(r.t), blocked: r.blocked, challenged: r.challenged })),
      },
      200,
    );
  });
