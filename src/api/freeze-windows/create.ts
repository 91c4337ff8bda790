import { createRoute } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { freezeWindows } from "../../db/schema";
import { badRequest, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { createFreezeWindowBody, freezeWindowSchema, toFreezeWindow } from "./schema";

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/freeze-windows",
  tags: ["Freeze windows"],
  summary: "Create a freeze window: no rollout starts while it is active",
  description:
    "While a window is active, creating a rollout that would start at once and the approval " +
    "that would start one are refused (409 naming the window). A scheduled rollout whose start " +
    "time falls inside a window stays `scheduled` and starts when the window ends. Rollouts " +
    "already running continue. Audited as `freeze_window.created`.",
  security: operatorSecurity("rollouts:write"),
  middleware: [requireScope("rollouts:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: createFreezeWindowBody } } },
  },
  responses: {
    201: {
      description: "The window",
      content: { "application/json": { schema: freezeWindowSchema } },
    },
    ...operatorErrors,
  },
});

/** POST /api/v1/projects/{project}/freeze-windows */
export const registerCreateFreezeWindow = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const now = clock.now();
    const endsAt = Date.parse(input.ends_at);
    if (endsAt <= now) {
      throw badRequest("The window is already over", [
        { path: "ends_at", message: "must be in the future" },
      ]);
    }
    const [row] = await db
      .insert(freezeWindows)
      .values({
        id: crypto.randomUUID(),
        projectId: project.id,
        name: input.name,
        reason: input.reason ?? null,
        startsAt: Date.parse(input.starts_at),
        endsAt,
        createdBy: `${actor.type}:${actor.id}`,
        createdAt: now,
      })
      .returning();
    if (!row) {
      throw new Error("freeze window insert returned nothing");
    }
    const view = toFreezeWindow(row, now);
    await audit.record(
      {
        orgId: project.orgId,
        projectId: project.id,
        actor,
        action: "freeze_window.created",
        resourceType: "freeze_window",
        resourceId: row.id,
        diff: { after: view },
        requestId,
      },
      [
        {
          projectId: project.id,
          type: "freeze_window.created",
          resourceType: "freeze_window",
          resourceId: row.id,
          payload: view,
        },
      ],
    );
    return c.json(view, 201);
  });
