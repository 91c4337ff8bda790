import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { configCertificates } from "../../../db/schema";
import { operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requireScope } from "../../middleware/require-scope";
import { projectParam } from "../../schemas";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import { certificateSchema, toCertificate } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/certificates",
  tags: ["Config model"],
  summary: "List certificates, soonest expiry first",
  security: operatorSecurity("config:read"),
  middleware: [requireScope("config:read")] as const,
  request: { params: projectParam },
  responses: {
    200: {
      description: "Certificates",
      content: {
        "application/json": {
          schema: z.object({ items: z.array(certificateSchema) }).openapi("CertificateList"),
        },
      },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/certificates (a project has few; no paging). */
export const registerListCertificates = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const rows = await db
      .select()
      .from(configCertificates)
      .where(eq(configCertificates.projectId, project.id))
      .orderBy(asc(configCertificates.notAfter), asc(configCertificates.name));
    return c.json({ items: rows.map(toCertificate) }, 200);
  });
