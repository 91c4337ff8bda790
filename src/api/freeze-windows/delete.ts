import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { freezeWindows } from "../../db/schema";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { freezeWindowParams, toFreezeWindow } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/freeze-windows/{window_id}",
  tags: ["Freeze windows"],
  summary: "Delete a freeze window",
  description:
    "Starts it refused stay possible again at once; a scheduled rollout it held back starts " +
    "on its next tick, at the window's original end at the latest. Audited as " +
    "`freeze_window.deleted`.",
  security: operatorSecurity("rollouts:write"),
  middleware: [requireScope("rollouts:write")] as const,
  request: { params: freezeWindowParams },
  responses: { 204: { description: "Deleted" }, ...operatorErrors },
});

/** DELETE /api/v1/projects/{project}/freeze-windows/{window_id} */
export const registerDeleteFreezeWindow = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { window_id: id } = c.req.valid("param");
    const [row] = await db
      .delete(freezeWindows)
      .where(and(eq(freezeWindows.id, id), eq(freezeWindows.projectId, project.id)))
      .returning();
    if (!row) {
      throw notFound(`Freeze window ${id}`);
    }
    const before = toFreezeWindow(row, clock.now());
    await audit.record(
      {
        orgId: project.orgId,
        projectId: project.id,
        actor,
        action: "freeze_window.deleted",
        resourceType: "freeze_window",
        resourceId: row.id,
        diff: { before },
        requestId,
      },
      [
        {
          projectId: project.id,
          type: "freeze_window.deleted",
          resourceType: "freeze_window",
          resourceId: row.id,
          payload: before,
        },
      ],
    );
    return c.body(null, 204);
  });
