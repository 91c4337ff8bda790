import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../../auth/principal";
import { configEntities } from "../../../db/schema";
import { findEntity, loadStoredModel, userProblems, usersOf } from "../../../services/config-store";
import { conflict, errorResponses, notFound, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requirePrincipal } from "../../middleware/operator-auth";
import { requireScope } from "../../middleware/require-scope";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import type { EntityKindDef } from "../kinds";
import { nameParams } from "../schema";

/** DELETE /api/v1/projects/{project}/<segment>/{name}: refused while anything uses it. */
export function registerDeleteEntity(app: App, def: EntityKindDef): void {
  const route = createRoute({
    method: "delete",
    path: `/api/v1/projects/{project}/${def.segment}/{name}`,
    tags: ["Config model"],
    summary: `Delete a ${def.label}`,
    description:
      "409 naming every entity that still refers to it (fix those first). Audited as " +
      `\`config.${def.kind}.deleted\`.`,
    security: operatorSecurity("config:write"),
    middleware: [requireScope("config:write")] as const,
    request: { params: nameParams },
    responses: {
      204: { description: "Deleted" },
      409: errorResponses[409],
      ...operatorErrors,
    },
  });
  app.openapi(route, async (c) => {
    const { db, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { name } = c.req.valid("param");
    const existing = await findEntity(db, project.id, def.kind, name);
    if (!existing) {
      throw notFound(`The ${def.label} '${name}'`);
    }
    const users = usersOf(await loadStoredModel(db, project.id), def.kind, name);
    if (users.length > 0) {
      const list = users.map((u) => `${u.kind} '${u.name}'`).join(", ");
      throw conflict(`The ${def.label} '${name}' is in use by ${list}`, userProblems(users));
    }
    await db
      .delete(configEntities)
      .where(and(eq(configEntities.id, existing.id), eq(configEntities.projectId, project.id)));
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: `config.${def.kind}.deleted`,
      resourceType: def.kind,
      resourceId: existing.id,
      diff: { before: { name, spec: existing.spec } },
      requestId,
    });
    return c.body(null, 204);
  });
}
