import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../../auth/principal";
import { configSecrets } from "../../../db/schema";
import { loadStoredModel, userProblems, usersOf } from "../../../services/config-store";
import { conflict, errorResponses, notFound, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requirePrincipal } from "../../middleware/operator-auth";
import { requireScope } from "../../middleware/require-scope";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import { nameParams } from "../schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/secrets/{name}",
  tags: ["Config model"],
  summary: "Delete a secret",
  description:
    "409 naming every plugin or policy that uses it. Audited as `config.secret.deleted`.",
  security: operatorSecurity("config:write"),
  middleware: [requireScope("config:write")] as const,
  request: { params: nameParams },
  responses: { 204: { description: "Deleted" }, 409: errorResponses[409], ...operatorErrors },
});

/** DELETE /api/v1/projects/{project}/secrets/{name} */
export const registerDeleteSecret = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { name } = c.req.valid("param");
    const where = and(eq(configSecrets.projectId, project.id), eq(configSecrets.name, name));
    const [existing] = await db.select().from(configSecrets).where(where).limit(1);
    if (!existing) {
      throw notFound(`Secret '${name}'`);
    }
    const users = usersOf(await loadStoredModel(db, project.id), "secret", name);
    if (users.length > 0) {
      const list = users.map((u) => `${u.kind} '${u.name}'`).join(", ");
      throw conflict(`Secret '${name}' is in use by ${list}`, userProblems(users));
    }
    await db.delete(configSecrets).where(where);
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "config.secret.deleted",
      resourceType: "secret",
      resourceId: existing.id,
      diff: { before: { name, version: existing.version } },
      requestId,
    });
    return c.body(null, 204);
  });
