import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { configSecrets } from "../../../db/schema";
import { operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requireScope } from "../../middleware/require-scope";
import { projectParam } from "../../schemas";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import { secretSchema, toSecret } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/secrets",
  tags: ["Config model"],
  summary: "List secrets by name (metadata only)",
  security: operatorSecurity("config:read"),
  middleware: [requireScope("config:read")] as const,
  request: { params: projectParam },
  responses: {
    200: {
      description: "Secrets",
      content: {
        "application/json": {
          schema: z.object({ items: z.array(secretSchema) }).openapi("SecretList"),
        },
      },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/secrets (a project has few; no paging). */
export const registerListSecrets = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const rows = await db
      .select()
      .from(configSecrets)
      .where(eq(configSecrets.projectId, project.id))
      .orderBy(asc(configSecrets.name));
    return c.json({ items: rows.map(toSecret) }, 200);
  });
