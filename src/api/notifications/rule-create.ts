import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { notificationChannels } from "../../db/schema";
import { patternProblem } from "../../notifications/patterns";
import { badRequest, conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { ruleSchema, toRule } from "./schema";

const body = z
  .object({
    channel_id: z.string().uuid().openapi({ example: "3d2b6a51-7c0e-4f4e-9b1a-2f6d8c9e0a41" }),
    event_pattern: z
      .string()
      .superRefine((pattern, ctx) => {
        const problem = patternProblem(pattern);
        if (problem !== null) {
          ctx.addIssue({ code: "custom", message: problem });
        }
      })
      .openapi({
        description: "`*`, `prefix.*` (e.g. `rollout.*`) or an exact type (e.g. `drift.detected`)",
        example: "rollout.*",
      }),
  })
  .openapi("CreateNotificationRule");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/notification-rules",
  tags: ["Notifications"],
  summary: "Route events matching a pattern to a channel",
  description:
    "An event matching several rules of one channel is delivered to it once. The same (channel, " +
    "pattern) pair twice is 409.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: ruleSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** POST /api/v1/projects/{project}/notification-rules */
export const registerCreateRule = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, d1, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const channel = await db.query.notificationChannels.findFirst({
      where: and(
        eq(notificationChannels.id, input.channel_id),
        eq(notificationChannels.projectId, project.id),
      ),
      columns: { id: true },
    });
    if (!channel) {
      throw badRequest("Unknown channel", [
        { path: "channel_id", message: "no such notification channel in this project" },
      ]);
    }
    const row = {
      id: crypto.randomUUID(),
      projectId: project.id,
      channelId: input.channel_id,
      eventPattern: input.event_pattern,
      createdAt: clock.now(),
    };
    // One statement, so two concurrent identical requests cannot both insert.
    const inserted = await d1
      .prepare(
        `INSERT INTO notification_rules (id, project_id, channel_id, event_pattern, created_at)
         SELECT ?, ?, ?, ?, ?
         WHERE NOT EXISTS (SELECT 1 FROM notification_rules
                           WHERE project_id = ? AND channel_id = ? AND event_pattern = ?)`,
      )
      .bind(
        row.id,
        row.projectId,
        row.channelId,
        row.eventPattern,
        row.createdAt,
        row.projectId,
        row.channelId,
        row.eventPattern,
      )
      .run();
    if (inserted.meta.changes === 0) {
      throw conflict("This channel already has a rule with this pattern", [
        { path: "event_pattern", message: "duplicate rule for this channel" },
      ]);
    }
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "notification_rule.created",
      resourceType: "notification_rule",
      resourceId: row.id,
      diff: { after: { channel_id: row.channelId, event_pattern: row.eventPattern } },
      requestId,
    });
    return c.json(toRule(row), 201);
  });
