import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { notificationChannels } from "../../db/schema";
import { openChannelConfig } from "../../notifications/sealed";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { channelSchema, toChannel } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/notification-channels",
  tags: ["Notifications"],
  summary: "List notification channels, newest first",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query: pageQuery },
  responses: {
    200: {
      description: "Channels (configuration redacted)",
      content: { "application/json": { schema: listOf(channelSchema, "NotificationChannel") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/notification-channels */
export const registerListChannels = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, config } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor } = c.req.valid("query");
    const after = afterCursor(
      decodeCursor(cursor),
      notificationChannels.createdAt,
      notificationChannels.id,
    );
    const rows = await db
      .select()
      .from(notificationChannels)
      .where(and(eq(notificationChannels.projectId, project.id), after))
      .orderBy(...cursorOrder(notificationChannels.createdAt, notificationChannels.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.createdAt, id: r.id }));
    const items = await Promise.all(
      page.items.map(async (row) =>
        toChannel(row, await openChannelConfig(config.ZCP_MASTER_KEY, row.id, row.configEnc)),
      ),
    );
    return c.json({ items, next_cursor: page.next_cursor }, 200);
  });
