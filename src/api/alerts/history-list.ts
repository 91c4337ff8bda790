import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, type SQL } from "drizzle-orm";
import { alertHistory } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { historyEntrySchema, toHistoryEntry } from "./schema";

const query = pageQuery.extend({
  rule_id: z
    .string()
    .uuid()
    .optional()
    .openapi({ param: { name: "rule_id", in: "query" }, description: "Only this rule" }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/alert-history",
  tags: ["Alerts"],
  summary: "State changes of the project's alert rules, newest first",
  description: "Kept 90 days, also for deleted rules (by name).",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "History",
      content: { "application/json": { schema: listOf(historyEntrySchema, "AlertHistoryEntry") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/alert-history?rule_id=&limit=&cursor= */
export const registerListAlertHistory = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor, rule_id: ruleId } = c.req.valid("query");
    const where: Array<SQL | undefined> = [
      eq(alertHistory.projectId, project.id),
      ruleId ? eq(alertHistory.ruleId, ruleId) : undefined,
      afterCursor(decodeCursor(cursor), alertHistory.at, alertHistory.id),
    ];
    const rows = await db
      .select()
      .from(alertHistory)
      .where(and(...where))
      .orderBy(...cursorOrder(alertHistory.at, alertHistory.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.at, id: r.id }));
    return c.json({ items: page.items.map(toHistoryEntry), next_cursor: page.next_cursor }, 200);
  });
