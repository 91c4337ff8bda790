import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { configSecrets } from "../../../db/schema";
import { notFound, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requireScope } from "../../middleware/require-scope";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import { nameParams } from "../schema";
import { secretSchema, toSecret } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/secrets/{name}",
  tags: ["Config model"],
  summary: "Show a secret's metadata (never its value)",
  security: operatorSecurity("config:read"),
  middleware: [requireScope("config:read")] as const,
  request: { params: nameParams },
  responses: {
    200: { description: "Metadata", content: { "application/json": { schema: secretSchema } } },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/secrets/{name} */
export const registerGetSecret = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { name } = c.req.valid("param");
    const [row] = await db
      .select()
      .from(configSecrets)
      .where(and(eq(configSecrets.projectId, project.id), eq(configSecrets.name, name)))
      .limit(1);
    if (!row) {
      throw notFound(`Secret '${name}'`);
    }
    return c.json(toSecret(row), 200);
  });
