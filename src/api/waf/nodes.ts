import { createRoute, z } from "@hono/zod-openapi";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { iso, isoTime, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { resolveRange } from "./schema";

const query = z.object({
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name: "from", in: "query" }, description: "Default: 24 h before `to`" }),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name: "to", in: "query" }, description: "Default: now" }),
});

const response = z
  .object({
    from: isoTime,
    to: isoTime,
    items: z.array(
      z.object({
        node_id: z.string(),
        node_name: z.string().nullable(),
        blocked: z.number().int(),
        challenged: z.number().int(),
      }),
    ),
  })
  .openapi("WafNodeBreakdown");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/waf/nodes",
  tags: ["WAF analytics"],
  summary: "WAF decisions per node, most blocks first",
  description: "Per-node counts are kept per hour: the range is widened to whole hours.",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: { description: "Per node", content: { "application/json": { schema: response } } },
    ...operatorErrors,
  },
});

const HOUR_MS = 3_600_000;

/** GET /api/v1/projects/{project}/waf/nodes?from=&to= */
export const registerWafNodes = (app: App) =>
  app.openapi(route, async (c) => {
    const { d1, clock } = c.get("services");
    const project = currentProject(c);
    const range = resolveRange(c.req.valid("query"), clock.now());
    const from = Math.floor(range.from / HOUR_MS) * HOUR_MS;
    const { results } = await d1
      .prepare(
        `SELECT w.node_id, n.name AS node_name, SUM(w.blocked) AS blocked,
           SUM(w.challenged) AS challenged
         FROM waf_node_hours w LEFT JOIN nodes n ON n.id = w.node_id AND n.project_id = w.project_id
         WHERE w.project_id = ? AND w.bucket_start >= ? AND w.bucket_start < ?
         GROUP BY w.node_id ORDER BY blocked DESC, w.node_id LIMIT 500`,
      )
      .bind(project.id, from, range.to)
      .all<{ node_id: string; node_name: string | null; blocked: number; challenged: number }>();
    return c.json({ from: iso(from), to: iso(range.to), items: results }, 200);
  });
