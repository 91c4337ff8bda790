import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { environments } from "../../db/schema";
import { conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import {
  approvalsRequired,
  auditFacts,
  environmentName,
  environmentSchema,
  ordinal,
  selectorSchema,
  toEnvironment,
} from "./schema";

const body = z
  .object({
    name: environmentName,
    ordinal: ordinal.optional().openapi({ description: "Defaults to after the last environment" }),
    selector: selectorSchema,
    approvals_required: approvalsRequired.default(0),
  })
  .openapi("CreateEnvironment");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/environments",
  tags: ["Environments"],
  summary: "Create a promotion environment (a node selector with its approval policy)",
  description:
    "Environments order a project's promotion path (dev → staging → production). Promoting a " +
    "bundle into one creates a rollout over its selector that needs its approvals. Names are " +
    "unique per project (409).",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: environmentSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** POST /api/v1/projects/{project}/environments */
export const registerCreateEnvironment = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, d1, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const id = crypto.randomUUID();
    // One statement: the name check and the default ordinal cannot race another create.
    const inserted = await d1
      .prepare(
        `INSERT INTO environments (id, project_id, name, ordinal, selector, approvals_required, created_at)
         SELECT ?, ?, ?, COALESCE(?, (SELECT COALESCE(MAX(ordinal), -1) + 1 FROM environments
                                      WHERE project_id = ?)), ?, ?, ?
         WHERE NOT EXISTS (SELECT 1 FROM environments WHERE project_id = ? AND name = ?)`,
      )
      .bind(
        id,
        project.id,
        input.name,
        input.ordinal ?? null,
        project.id,
        JSON.stringify(input.selector),
        input.approvals_required,
        clock.now(),
        project.id,
        input.name,
      )
      .run();
    if (inserted.meta.changes === 0) {
      throw conflict(`Environment '${input.name}' already exists`, [
        { path: "name", message: "already in use in this project" },
      ]);
    }
    const row = await db.query.environments.findFirst({ where: eq(environments.id, id) });
    if (!row) {
      throw new Error(`environment ${id} vanished after it was written`);
    }
    const view = toEnvironment(row);
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "environment.created",
      resourceType: "environment",
      resourceId: id,
      diff: { after: auditFacts(view) },
      requestId,
    });
    return c.json(view, 201);
  });
