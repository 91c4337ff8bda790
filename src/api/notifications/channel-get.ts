import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { notificationChannels } from "../../db/schema";
import { openChannelConfig } from "../../notifications/sealed";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { channelParams, channelSchema, toChannel } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/notification-channels/{channel_id}",
  tags: ["Notifications"],
  summary: "Show one notification channel",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: channelParams },
  responses: {
    200: {
      description: "The channel (configuration redacted)",
      content: { "application/json": { schema: channelSchema } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/notification-channels/{channel_id} */
export const registerGetChannel = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, config } = c.get("services");
    const project = currentProject(c);
    const { channel_id } = c.req.valid("param");
    const row = await db.query.notificationChannels.findFirst({
      where: and(
        eq(notificationChannels.id, channel_id),
        eq(notificationChannels.projectId, project.id),
      ),
    });
    if (!row) {
      throw notFound("Notification channel");
    }
    const channelConfig = await openChannelConfig(config.ZCP_MASTER_KEY, row.id, row.configEnc);
    return c.json(toChannel(row, channelConfig), 200);
  });
