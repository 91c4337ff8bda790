import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../../auth/principal";
import { configEntities } from "../../../db/schema";
import { referencesOf } from "../../../domain/config/references";
import {
  danglingProblems,
  findEntity,
  loadStoredModel,
  namesOf,
  parseSpec,
} from "../../../services/config-store";
import { badRequest, notFound, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requirePrincipal } from "../../middleware/operator-auth";
import { requireScope } from "../../middleware/require-scope";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import type { EntityKindDef } from "../kinds";
import { entityMeta, kdlFieldProblems, nameParams, toEntity } from "../schema";

/** PUT /api/v1/projects/{project}/<segment>/{name}: replaces the spec (the name stays). */
export function registerUpdateEntity(app: App, def: EntityKindDef): void {
  const route = createRoute({
    method: "put",
    path: `/api/v1/projects/{project}/${def.segment}/{name}`,
    tags: ["Config model"],
    summary: `Replace a ${def.label}'s spec`,
    description:
      "The body is the whole spec (omitted fields take their defaults); the name cannot change " +
      "because other entities refer to it. Dangling references are 400, each listed. Audited as " +
      `\`config.${def.kind}.updated\` with before and after.`,
    security: operatorSecurity("config:write"),
    middleware: [requireScope("config:write")] as const,
    request: {
      params: nameParams,
      body: {
        required: true,
        content: { "application/json": { schema: def.spec.openapi({ example: def.example }) } },
      },
    },
    responses: {
      200: {
        description: `The updated ${def.label}`,
        content: { "application/json": { schema: def.spec.extend(entityMeta) } },
      },
      ...operatorErrors,
    },
  });
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { name } = c.req.valid("param");
    const tagged = parseSpec(def.kind, c.req.valid("json"));
    const existing = await findEntity(db, project.id, def.kind, name);
    if (!existing) {
      throw notFound(`The ${def.label} '${name}'`);
    }
    const stored = await loadStoredModel(db, project.id);
    const problems = [
      ...kdlFieldProblems(tagged.spec),
      ...danglingProblems(referencesOf(tagged), namesOf(stored)),
    ];
    if (problems.length > 0) {
      throw badRequest(`The ${def.label} is not valid: ${problems.length} problem(s)`, problems);
    }
    const [row] = await db
      .update(configEntities)
      .set({ spec: tagged.spec as Record<string, unknown>, updatedAt: clock.now() })
      .where(and(eq(configEntities.id, existing.id), eq(configEntities.projectId, project.id)))
      .returning();
    if (!row) {
      throw notFound(`The ${def.label} '${name}'`);
    }
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: `config.${def.kind}.updated`,
      resourceType: def.kind,
      resourceId: row.id,
      diff: { before: { name, spec: existing.spec }, after: { name, spec: tagged.spec } },
      requestId,
    });
    return c.json(toEntity(row), 200);
  });
}
