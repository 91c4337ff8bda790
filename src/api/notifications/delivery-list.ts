import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, type SQL } from "drizzle-orm";
import { events, notificationDeliveries } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { deliverySchema, toDelivery } from "./schema";

const query = pageQuery.extend({
  status: z
    .enum(["pending", "delivered", "retrying", "dead_letter"])
    .optional()
    .openapi({ param: { name: "status", in: "query" }, example: "dead_letter" }),
  channel_id: z
    .string()
    .uuid()
    .optional()
    .openapi({ param: { name: "channel_id", in: "query" } }),
  event_id: z
    .string()
    .uuid()
    .optional()
    .openapi({ param: { name: "event_id", in: "query" } }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/notification-deliveries",
  tags: ["Notifications"],
  summary: "The delivery log: one row per (event, channel) with every attempt, newest first",
  description:
    "Each attempt records its time, the HTTP status or the error, the first 2 KiB of the " +
    "response and the outcome. Deliveries are kept 30 days.",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "Deliveries",
      content: { "application/json": { schema: listOf(deliverySchema, "NotificationDelivery") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/notification-deliveries */
export const registerListDeliveries = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor, status, channel_id, event_id } = c.req.valid("query");
    const where: SQL[] = [eq(notificationDeliveries.projectId, project.id)];
    if (status) {
      where.push(eq(notificationDeliveries.status, status));
    }
    if (channel_id) {
      where.push(eq(notificationDeliveries.channelId, channel_id));
    }
    if (event_id) {
      where.push(eq(notificationDeliveries.eventId, event_id));
    }
    const after = afterCursor(
      decodeCursor(cursor),
      notificationDeliveries.createdAt,
      notificationDeliveries.id,
    );
    const rows = await db
      .select({ delivery: notificationDeliveries, eventType: events.type })
      .from(notificationDeliveries)
      .leftJoin(events, eq(events.id, notificationDeliveries.eventId))
      .where(and(...where, after))
      .orderBy(...cursorOrder(notificationDeliveries.createdAt, notificationDeliveries.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.delivery.createdAt, id: r.delivery.id }));
    return c.json(
      {
        items: page.items.map((r) => toDelivery(r.delivery, r.eventType)),
        next_cursor: page.next_cursor,
      },
      200,
    );
  });
