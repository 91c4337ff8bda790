import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { environments } from "../../db/schema";
import { conflict, errorResponses, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { findEnvironment } from "./get";
import {
  approvalsRequired,
  auditFacts,
  environmentName,
  environmentParams,
  environmentSchema,
  ordinal,
  selectorSchema,
  toEnvironment,
} from "./schema";

const body = z
  .object({
    name: environmentName.optional(),
    ordinal: ordinal.optional(),
    selector: selectorSchema.optional(),
    approvals_required: approvalsRequired.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), "name at least one field to change")
  .openapi("UpdateEnvironment");

const route = createRoute({
  method: "patch",
  path: "/api/v1/projects/{project}/environments/{environment_id}",
  tags: ["Environments"],
  summary: "Change an environment (omitted fields stay as they are)",
  description: "Promotions already created keep the selector and approvals they were created with.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: {
    params: environmentParams,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: {
      description: "The updated environment",
      content: { "application/json": { schema: environmentSchema } },
    },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** PATCH /api/v1/projects/{project}/environments/{environment_id} */
export const registerUpdateEnvironment = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, d1, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { environment_id } = c.req.valid("param");
    const input = c.req.valid("json");
    const before = toEnvironment(await findEnvironment(db, project.id, environment_id));
    // One statement, so a concurrent rename cannot produce two environments with one name.
    const updated = await d1
      .prepare(
        `UPDATE environments SET name = COALESCE(?, name), ordinal = COALESCE(?, ordinal),
           selector = COALESCE(?, selector), approvals_required = COALESCE(?, approvals_required)
         WHERE id = ? AND project_id = ?
           AND NOT EXISTS (SELECT 1 FROM environments o
                           WHERE o.project_id = ? AND o.name = ? AND o.id <> ?)`,
      )
      .bind(
        input.name ?? null,
        input.ordinal ?? null,
        input.selector === undefined ? null : JSON.stringify(input.selector),
        input.approvals_required ?? null,
        environment_id,
        project.id,
        project.id,
        input.name ?? null,
        environment_id,
      )
      .run();
    if (updated.meta.changes === 0) {
      const still = await db.query.environments.findFirst({
        where: and(eq(environments.id, environment_id), eq(environments.projectId, project.id)),
        columns: { id: true },
      });
      if (!still) {
        throw notFound("Environment");
      }
      throw conflict(`Environment '${input.name}' already exists`, [
        { path: "name", message: "already in use in this project" },
      ]);
    }
    const after = toEnvironment(await findEnvironment(db, project.id, environment_id));
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "environment.updated",
      resourceType: "environment",
      resourceId: environment_id,
      diff: { before: auditFacts(before), after: auditFacts(after) },
      requestId,
    });
    return c.json(after, 200);
  });
