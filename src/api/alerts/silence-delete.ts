import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { alertSilences } from "../../db/schema";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { silenceParams, toSilence } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/alert-silences/{silence_id}",
  tags: ["Alerts"],
  summary: "End a silence now",
  description:
    "An alert that fired under it and is still firing notifies at the next evaluation. " +
    "Audited as `alert_silence.deleted`.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: { params: silenceParams },
  responses: { 204: { description: "Deleted" }, ...operatorErrors },
});

/** DELETE /api/v1/projects/{project}/alert-silences/{silence_id} */
export const registerDeleteSilence = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { silence_id: id } = c.req.valid("param");
    const [row] = await services.db
      .delete(alertSilences)
      .where(and(eq(alertSilences.id, id), eq(alertSilences.projectId, project.id)))
      .returning();
    if (!row) {
      throw notFound(`Silence ${id}`);
    }
    await services.audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "alert_silence.deleted",
      resourceType: "alert_silence",
      resourceId: row.id,
      diff: { before: toSilence(row, services.clock.now()) },
      requestId: services.requestId,
    });
    return c.body(null, 204);
  });
