import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { environments } from "../../db/schema";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { auditFacts, environmentParams, toEnvironment } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/environments/{environment_id}",
  tags: ["Environments"],
  summary: "Delete an environment",
  description: "Rollouts created by earlier promotions are not affected.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: { params: environmentParams },
  responses: {
    204: { description: "Deleted" },
    ...operatorErrors,
  },
});

/** DELETE /api/v1/projects/{project}/environments/{environment_id} */
export const registerDeleteEnvironment = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { environment_id } = c.req.valid("param");
    const [deleted] = await db
      .delete(environments)
      .where(and(eq(environments.id, environment_id), eq(environments.projectId, project.id)))
      .returning();
    if (!deleted) {
      throw notFound("Environment");
    }
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "environment.deleted",
      resourceType: "environment",
      resourceId: environment_id,
      diff: { before: auditFacts(toEnvironment(deleted)) },
      requestId,
    });
    return c.body(null, 204);
  });
