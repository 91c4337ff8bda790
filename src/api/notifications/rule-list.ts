import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, type SQL } from "drizzle-orm";
import { notificationRules } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { ruleSchema, toRule } from "./schema";

const query = pageQuery.extend({
  channel_id: z
    .string()
    .uuid()
    .optional()
    .openapi({ param: { name: "channel_id", in: "query" }, description: "only this channel" }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/notification-rules",
  tags: ["Notifications"],
  summary: "List notification rules, newest first",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "Rules",
      content: { "application/json": { schema: listOf(ruleSchema, "NotificationRule") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/notification-rules */
export const registerListRules = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor, channel_id } = c.req.valid("query");
    const where: SQL[] = [eq(notificationRules.projectId, project.id)];
    if (channel_id) {
      where.push(eq(notificationRules.channelId, channel_id));
    }
    const after = afterCursor(
      decodeCursor(cursor),
      notificationRules.createdAt,
      notificationRules.id,
    );
    const rows = await db
      .select()
      .from(notificationRules)
      .where(and(...where, after))
      .orderBy(...cursorOrder(notificationRules.createdAt, notificationRules.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.createdAt, id: r.id }));
    return c.json({ items: page.items.map(toRule), next_cursor: page.next_cursor }, 200);
  });
