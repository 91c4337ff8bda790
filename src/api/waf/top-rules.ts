import { createRoute, z } from "@hono/zod-openapi";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { iso, isoTime, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { rangeQuery, resolutionFor, resolveRange, WAF_TABLES } from "./schema";

const query = rangeQuery.extend({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .openapi({ param: { name: "limit", in: "query" }, example: 10 }),
});

const response = z
  .object({
    from: isoTime,
    to: isoTime,
    resolution: z.enum(["minute", "hour", "day"]),
    items: z.array(
      z.object({
        rule_id: z.string().openapi({ example: "942100" }),
        blocked: z.number().int(),
        challenged: z.number().int(),
      }),
    ),
  })
  .openapi("WafTopRules");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/waf/top-rules",
  tags: ["WAF analytics"],
  summary: "WAF rules by blocked requests over a time range",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: { description: "Top rules", content: { "application/json": { schema: response } } },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/waf/top-rules?from=&to=&service=&limit= */
export const registerWafTopRules = (app: App) =>
  app.openapi(route, async (c) => {
    const { d1, clock } = c.get("services");
    const project = currentProject(c);
    const q = c.req.valid("query");
    const now = clock.now();
    const range = resolveRange(q, now);
    const resolution = resolutionFor(range, now);
    const { results } = await d1
      .prepare(
        `SELECT rule_id, SUM(blocked) AS blocked, SUM(challenged) AS challenged
         FROM ${WAF_TABLES[resolution]}
         WHERE project_id = ? AND bucket_start >= ? AND bucket_start < ?
           AND (? IS NULL OR service = ?)
         GROUP BY rule_id ORDER BY blocked DESC, challenged DESC, rule_id LIMIT ?`,
      )
      .bind(project.id, range.from, range.to, q.service ?? null, q.service ?? null, q.limit)
      .all<{ rule_id: string; blocked: number; challenged: number }>();
    return c.json({ from: iso(range.from), to: iso(range.to), resolution, items: results }, 200);
  });
