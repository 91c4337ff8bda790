import { createRoute } from "@hono/zod-openapi";
import { actorOf } from "../../../auth/principal";
import { configEntities } from "../../../db/schema";
import { systemSpec } from "../../../domain/config/specs";
import { findEntity } from "../../../services/config-store";
import { badRequest, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requirePrincipal } from "../../middleware/operator-auth";
import { requireScope } from "../../middleware/require-scope";
import { projectParam } from "../../schemas";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import { kdlFieldProblems } from "../schema";
import { SYSTEM_NAME } from "./get";

const route = createRoute({
  method: "put",
  path: "/api/v1/projects/{project}/config/system",
  tags: ["Config model"],
  summary: "Replace the system block",
  description:
    "Typed `system { }` settings, the directory where agents write secret files " +
    "(`secrets_dir`), and raw KDL for what the model does not type (`extra_kdl` inside " +
    "`system`, `document_kdl` at the top level). KDL text that does not parse is 400. Audited " +
    "as `config.system.updated`.",
  security: operatorSecurity("config:write"),
  middleware: [requireScope("config:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: systemSpec } } },
  },
  responses: {
    200: {
      description: "The system spec",
      content: { "application/json": { schema: systemSpec } },
    },
    ...operatorErrors,
  },
});

/** PUT /api/v1/projects/{project}/config/system */
export const registerPutSystem = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const spec = systemSpec.parse(c.req.valid("json"));
    const problems = kdlFieldProblems(spec);
    if (problems.length > 0) {
      throw badRequest(`The system block is not valid: ${problems.length} problem(s)`, problems);
    }
    const before = await findEntity(db, project.id, "system", SYSTEM_NAME);
    const now = clock.now();
    await db
      .insert(configEntities)
      .values({
        id: crypto.randomUUID(),
        projectId: project.id,
        kind: "system",
        name: SYSTEM_NAME,
        spec,
        createdBy: `${actor.type}:${actor.id}`,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [configEntities.projectId, configEntities.kind, configEntities.name],
        set: { spec, updatedAt: now },
      });
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "config.system.updated",
      resourceType: "system",
      resourceId: project.id,
      diff: { before: before?.spec ?? null, after: spec },
      requestId,
    });
    return c.json(spec, 200);
  });
