import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../../auth/principal";
import { configCertificates } from "../../../db/schema";
import { loadStoredModel, userProblems, usersOf } from "../../../services/config-store";
import { conflict, errorResponses, notFound, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requirePrincipal } from "../../middleware/operator-auth";
import { requireScope } from "../../middleware/require-scope";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import { nameParams } from "../schema";
import { auditView } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/certificates/{name}",
  tags: ["Config model"],
  summary: "Delete a certificate",
  description: "409 naming every listener that uses it. Audited as `config.certificate.deleted`.",
  security: operatorSecurity("config:write"),
  middleware: [requireScope("config:write")] as const,
  request: { params: nameParams },
  responses: { 204: { description: "Deleted" }, 409: errorResponses[409], ...operatorErrors },
});

/** DELETE /api/v1/projects/{project}/certificates/{name} */
export const registerDeleteCertificate = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { name } = c.req.valid("param");
    const where = and(
      eq(configCertificates.projectId, project.id),
      eq(configCertificates.name, name),
    );
    const [existing] = await db.select().from(configCertificates).where(where).limit(1);
    if (!existing) {
      throw notFound(`Certificate '${name}'`);
    }
    const users = usersOf(await loadStoredModel(db, project.id), "certificate", name);
    if (users.length > 0) {
      const list = users.map((u) => `${u.kind} '${u.name}'`).join(", ");
      throw conflict(`Certificate '${name}' is in use by ${list}`, userProblems(users));
    }
    await db.delete(configCertificates).where(where);
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "config.certificate.deleted",
      resourceType: "certificate",
      resourceId: existing.id,
      diff: { before: auditView(existing) },
      requestId,
    });
    return c.body(null, 204);
  });
