import { createRoute, type z } from "@hono/zod-openapi";
import { actorOf } from "../../../auth/principal";
import { configEntities } from "../../../db/schema";
import { kindLabel, referencesOf } from "../../../domain/config/references";
import {
  AGENT_KINDS,
  danglingProblems,
  loadStoredModel,
  namesOf,
  parseSpec,
} from "../../../services/config-store";
import { badRequest, conflict, errorResponses, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requirePrincipal } from "../../middleware/operator-auth";
import { requireScope } from "../../middleware/require-scope";
import { projectParam } from "../../schemas";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import type { EntityKindDef } from "../kinds";
import { entityMeta, kdlFieldProblems, nameField, toEntity } from "../schema";

/** Filter ids the generator reserves for policies and plugins attached to services. */
export const RESERVED_PREFIX = "zcp.";

/** POST /api/v1/projects/{project}/<segment>: one route per kind. */
export function registerCreateEntity(app: App, def: EntityKindDef): void {
  const body = def.spec.extend({ name: nameField }).openapi(`${def.schemaName}Create`, {
    example: def.example,
  });
  const route = createRoute({
    method: "post",
    path: `/api/v1/projects/{project}/${def.segment}`,
    tags: ["Config model"],
    summary: `Create a ${def.label}`,
    description:
      `Becomes ${def.kdl} in the generated config. Every reference must name an existing ` +
      "entity (400 listing each dangling one); a taken name is 409. Audited as " +
      `\`config.${def.kind}.created\`.`,
    security: operatorSecurity("config:write"),
    middleware: [requireScope("config:write")] as const,
    request: {
      params: projectParam,
      body: { required: true, content: { "application/json": { schema: body } } },
    },
    responses: {
      201: {
        description: `The ${def.label}`,
        content: {
          "application/json": {
            schema: def.spec.extend(entityMeta).openapi(def.schemaName),
          },
        },
      },
      409: errorResponses[409],
      ...operatorErrors,
    },
  });
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { name, ...raw } = c.req.valid("json") as { name: string } & Record<string, unknown>;
    const tagged = parseSpec(def.kind, raw);
    const stored = await loadStoredModel(db, project.id);
    const names = namesOf(stored);
    const problems = [
      ...kdlFieldProblems(tagged.spec),
      ...danglingProblems(referencesOf(tagged), names),
    ];
    if (def.kind === "middleware" && name.startsWith(RESERVED_PREFIX)) {
      problems.push({ path: "name", message: `names starting '${RESERVED_PREFIX}' are reserved` });
    }
    if (problems.length > 0) {
      throw badRequest(`The ${def.label} is not valid: ${problems.length} problem(s)`, problems);
    }
    const clash = names.find(
      (n) =>
        n.name === name &&
        (n.kind === def.kind || (AGENT_KINDS.has(def.kind) && AGENT_KINDS.has(n.kind))),
    );
    if (clash) {
      throw conflict(`The name '${name}' is taken by ${kindLabel(clash.kind)} '${name}'`, [
        { path: "name", message: "already in use" },
      ]);
    }
    const now = clock.now();
    const inserted = await db
      .insert(configEntities)
      .values({
        id: crypto.randomUUID(),
        projectId: project.id,
        kind: def.kind,
        name,
        spec: tagged.spec as Record<string, unknown>,
        createdBy: `${actor.type}:${actor.id}`,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    const row = inserted[0];
    if (!row) {
      throw conflict(`A ${def.label} named '${name}' already exists`, [
        { path: "name", message: "already in use" },
      ]);
    }
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: `config.${def.kind}.created`,
      resourceType: def.kind,
      resourceId: row.id,
      diff: { after: { name, spec: tagged.spec } },
      requestId,
    });
    return c.json(toEntity(row) as z.infer<typeof body>, 201);
  });
}
