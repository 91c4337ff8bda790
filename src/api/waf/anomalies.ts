import { createRoute } from "@hono/zod-openapi";
import { and, eq, type SQL } from "drizzle-orm";
import { wafAnomalies } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { anomalySchema, toAnomaly } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/waf/anomalies",
  tags: ["WAF analytics"],
  summary: "WAF anomalies (|z| ≥ 3 against the hour-of-week baseline), newest first",
  description:
    "Found every 15 minutes over the last hour; each also emits a `waf.anomaly_detected` " +
    "event. Kept 90 days.",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query: pageQuery },
  responses: {
    200: {
      description: "Anomalies",
      content: { "application/json": { schema: listOf(anomalySchema, "WafAnomaly") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/waf/anomalies?limit=&cursor= */
export const registerWafAnomalies = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor } = c.req.valid("query");
    const where: Array<SQL | undefined> = [
      eq(wafAnomalies.projectId, project.id),
      afterCursor(decodeCursor(cursor), wafAnomalies.detectedAt, wafAnomalies.id),
    ];
    const rows = await db
      .select()
      .from(wafAnomalies)
      .where(and(...where))
      .orderBy(...cursorOrder(wafAnomalies.detectedAt, wafAnomalies.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.detectedAt, id: r.id }));
    return c.json({ items: page.items.map(toAnomaly), next_cursor: page.next_cursor }, 200);
  });
