import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { notificationChannels, notificationRules } from "../../db/schema";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { channelParams } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/notification-channels/{channel_id}",
  tags: ["Notifications"],
  summary: "Delete a notification channel and its rules",
  description:
    'Deliveries still queued for the channel end as `dead_letter` ("channel was deleted"); the ' +
    "delivery log keeps their history.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: { params: channelParams },
  responses: {
    204: { description: "Deleted" },
    ...operatorErrors,
  },
});

/** DELETE /api/v1/projects/{project}/notification-channels/{channel_id} */
export const registerDeleteChannel = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { channel_id } = c.req.valid("param");
    const [deleted] = await db.batch([
      db
        .delete(notificationChannels)
        .where(
          and(
            eq(notificationChannels.id, channel_id),
            eq(notificationChannels.projectId, project.id),
          ),
        )
        .returning({ name: notificationChannels.name, type: notificationChannels.type }),
      // Only rules of a channel of this project: the channel id is unique, and the project
      // condition keeps another tenant's rows out even for a forged id.
      db
        .delete(notificationRules)
        .where(
          and(
            eq(notificationRules.channelId, channel_id),
            eq(notificationRules.projectId, project.id),
          ),
        ),
    ]);
    const channel = deleted[0];
    if (!channel) {
      throw notFound("Notification channel");
    }
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "notification_channel.deleted",
      resourceType: "notification_channel",
      resourceId: channel_id,
      diff: { before: { name: channel.name, type: channel.type } },
      requestId,
    });
    return c.body(null, 204);
  });
