import { createRoute } from "@hono/zod-openapi";
import { defaultSystem, systemSpec } from "../../../domain/config/specs";
import { findEntity } from "../../../services/config-store";
import { operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requireScope } from "../../middleware/require-scope";
import { projectParam } from "../../schemas";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";

/** Name of the one system entity of a project. */
export const SYSTEM_NAME = "system";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/config/system",
  tags: ["Config model"],
  summary: "Show the system block (defaults until set)",
  security: operatorSecurity("config:read"),
  middleware: [requireScope("config:read")] as const,
  request: { params: projectParam },
  responses: {
    200: {
      description: "The system spec",
      content: { "application/json": { schema: systemSpec.openapi("SystemSpec") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/config/system */
export const registerGetSystem = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const row = await findEntity(db, project.id, "system", SYSTEM_NAME);
    return c.json(row ? systemSpec.parse(row.spec) : defaultSystem(), 200);
  });
