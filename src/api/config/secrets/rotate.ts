import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../../auth/principal";
import { configSecrets } from "../../../db/schema";
import { sealValue } from "../../../services/config-sealing";
import { conflict, errorResponses, notFound, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requirePrincipal } from "../../middleware/operator-auth";
import { requireScope } from "../../middleware/require-scope";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import { nameParams } from "../schema";
import { rotateSecretBody, secretSchema, toSecret } from "./schema";

const route = createRoute({
  method: "put",
  path: "/api/v1/projects/{project}/secrets/{name}",
  tags: ["Config model"],
  summary: "Rotate a secret's value",
  description:
    "The version goes up, so the next compile of a config that references the secret yields a " +
    "new bundle id (the bundle carries a digest of the versions, never a value). A concurrent " +
    "rotation is 409. Audited as `config.secret.rotated` (versions only).",
  security: operatorSecurity("config:write"),
  middleware: [requireScope("config:write")] as const,
  request: {
    params: nameParams,
    body: { required: true, content: { "application/json": { schema: rotateSecretBody } } },
  },
  responses: {
    200: {
      description: "The secret's metadata",
      content: { "application/json": { schema: secretSchema } },
    },
    409: errorResponses[409],
    ...operatorErrors,
  },
});

/** PUT /api/v1/projects/{project}/secrets/{name} */
export const registerRotateSecret = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId, config } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { name } = c.req.valid("param");
    const input = c.req.valid("json");
    const where = and(eq(configSecrets.projectId, project.id), eq(configSecrets.name, name));
    const [existing] = await db.select().from(configSecrets).where(where).limit(1);
    if (!existing) {
      throw notFound(`Secret '${name}'`);
    }
    const version = existing.version + 1;
    const sealedValue = await sealValue(
      config.ZCP_MASTER_KEY,
      "secret",
      { projectId: project.id, id: existing.id, version },
      input.value,
    );
    const [row] = await db
      .update(configSecrets)
      .set({
        sealedValue,
        version,
        description: input.description === undefined ? existing.description : input.description,
        updatedAt: clock.now(),
      })
      .where(and(where, eq(configSecrets.version, existing.version)))
      .returning();
    if (!row) {
      throw conflict(`Secret '${name}' was rotated concurrently; retry`);
    }
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "config.secret.rotated",
      resourceType: "secret",
      resourceId: row.id,
      diff: { before: { version: existing.version }, after: { version: row.version } },
      requestId,
    });
    return c.json(toSecret(row), 200);
  });
