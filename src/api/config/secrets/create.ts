import { createRoute } from "@hono/zod-openapi";
import { actorOf } from "../../../auth/principal";
import { configSecrets } from "../../../db/schema";
import { sealValue } from "../../../services/config-sealing";
import { conflict, errorResponses, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requirePrincipal } from "../../middleware/operator-auth";
import { requireScope } from "../../middleware/require-scope";
import { projectParam } from "../../schemas";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import { createSecretBody, secretSchema, toSecret } from "./schema";

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/secrets",
  tags: ["Config model"],
  summary: "Create a secret",
  description:
    'Plugins and policies refer to it by name (`config: {"key-file": {"secret": "<name>"}}`); ' +
    "the bundle carries only the file path, and the agent fetches the value through the node " +
    "secrets route. The value is sealed at rest and is never returned, logged or audited. " +
    "Audited as `config.secret.created` (name and version).",
  security: operatorSecurity("config:write"),
  middleware: [requireScope("config:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: createSecretBody } } },
  },
  responses: {
    201: {
      description: "The secret's metadata",
      content: { "application/json": { schema: secretSchema } },
    },
    409: errorResponses[409],
    ...operatorErrors,
  },
});

/** POST /api/v1/projects/{project}/secrets */
export const registerCreateSecret = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId, config } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const id = crypto.randomUUID();
    const now = clock.now();
    const sealedValue = await sealValue(
      config.ZCP_MASTER_KEY,
      "secret",
      { projectId: project.id, id, version: 1 },
      input.value,
    );
    const [row] = await db
      .insert(configSecrets)
      .values({
        id,
        projectId: project.id,
        name: input.name,
        description: input.description ?? null,
        sealedValue,
        version: 1,
        createdBy: `${actor.type}:${actor.id}`,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw conflict(`A secret named '${input.name}' already exists`, [
        { path: "name", message: "already in use" },
      ]);
    }
    const view = toSecret(row);
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "config.secret.created",
      resourceType: "secret",
      resourceId: row.id,
      diff: { after: { name: view.name, version: view.version, description: view.description } },
      requestId,
    });
    return c.json(view, 201);
  });
