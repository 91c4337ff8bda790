import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { configCertificates } from "../../../db/schema";
import { notFound, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requireScope } from "../../middleware/require-scope";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import { nameParams } from "../schema";
import { certificateSchema, toCertificate } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/certificates/{name}",
  tags: ["Config model"],
  summary: "Show a certificate (never its key)",
  security: operatorSecurity("config:read"),
  middleware: [requireScope("config:read")] as const,
  request: { params: nameParams },
  responses: {
    200: {
      description: "The certificate",
      content: { "application/json": { schema: certificateSchema } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/certificates/{name} */
export const registerGetCertificate = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { name } = c.req.valid("param");
    const [row] = await db
      .select()
      .from(configCertificates)
      .where(and(eq(configCertificates.projectId, project.id), eq(configCertificates.name, name)))
      .limit(1);
    if (!row) {
      throw notFound(`Certificate '${name}'`);
    }
    return c.json(toCertificate(row), 200);
  });
