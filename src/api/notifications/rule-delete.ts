import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { notificationRules } from "../../db/schema";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { ruleParams } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/notification-rules/{rule_id}",
  tags: ["Notifications"],
  summary: "Delete a notification rule",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: { params: ruleParams },
  responses: {
    204: { description: "Deleted" },
    ...operatorErrors,
  },
});

/** DELETE /api/v1/projects/{project}/notification-rules/{rule_id} */
export const registerDeleteRule = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { rule_id } = c.req.valid("param");
    const [deleted] = await db
      .delete(notificationRules)
      .where(and(eq(notificationRules.id, rule_id), eq(notificationRules.projectId, project.id)))
      .returning();
    if (!deleted) {
      throw notFound("Notification rule");
    }
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "notification_rule.deleted",
      resourceType: "notification_rule",
      resourceId: rule_id,
      diff: { before: { channel_id: deleted.channelId, event_pattern: deleted.eventPattern } },
      requestId,
    });
    return c.body(null, 204);
  });
