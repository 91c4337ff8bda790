import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, type SQL } from "drizzle-orm";
import { alertRules } from "../../db/schema";
import { ALERT_STATES } from "../../domain/alerts/state";
import { activeSilences, silencedNow } from "../../services/alert-rules";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { alertRuleSchema, toAlertRule } from "./schema";

const query = pageQuery.extend({
  state: z
    .enum(ALERT_STATES)
    .optional()
    .openapi({ param: { name: "state", in: "query" }, example: "firing" }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/alert-rules",
  tags: ["Alerts"],
  summary: "List alert rules with their current state, newest first",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "Alert rules",
      content: { "application/json": { schema: listOf(alertRuleSchema, "AlertRule") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/alert-rules?state=&limit=&cursor= */
export const registerListAlertRules = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const { limit, cursor, state } = c.req.valid("query");
    const now = services.clock.now();
    const where: Array<SQL | undefined> = [
      eq(alertRules.projectId, project.id),
      state ? eq(alertRules.state, state) : undefined,
      afterCursor(decodeCursor(cursor), alertRules.createdAt, alertRules.id),
    ];
    const [rows, silences] = await Promise.all([
      services.db
        .select()
        .from(alertRules)
        .where(and(...where))
        .orderBy(...cursorOrder(alertRules.createdAt, alertRules.id))
        .limit(limit + 1),
      activeSilences(services, project.id, now),
    ]);
    const page = paginate(rows, limit, (r) => ({ t: r.createdAt, id: r.id }));
    const items = page.items.map((r) => toAlertRule(r, silencedNow(r, silences, now)));
    return c.json({ items, next_cursor: page.next_cursor }, 200);
  });
