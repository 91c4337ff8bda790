import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { slos } from "../../db/schema";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { sloParams, toSlo } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/slos/{slo_id}",
  tags: ["SLOs"],
  summary: "Delete an SLO and its alert history",
  description:
    "Rollouts already gated on it keep the copy of the objective they were created with. " +
    "Audited as `slo.deleted`.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: { params: sloParams },
  responses: { 204: { description: "Deleted" }, ...operatorErrors },
});

/** DELETE /api/v1/projects/{project}/slos/{slo_id} */
export const registerDeleteSlo = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { slo_id: id } = c.req.valid("param");
    const [row] = await db
      .delete(slos)
      .where(and(eq(slos.id, id), eq(slos.projectId, project.id)))
      .returning();
    if (!row) {
      throw notFound(`SLO ${id}`);
    }
    const before = toSlo(row);
    await audit.record(
      {
        orgId: project.orgId,
        projectId: project.id,
        actor,
        action: "slo.deleted",
        resourceType: "slo",
        resourceId: row.id,
        diff: { before },
        requestId,
      },
      [
        {
          projectId: project.id,
          type: "slo.deleted",
          resourceType: "slo",
          resourceId: row.id,
          payload: before,
        },
      ],
    );
    return c.body(null, 204);
  });
