import { createRoute } from "@hono/zod-openapi";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { projectSchema, toProject } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}",
  tags: ["Projects"],
  summary: "Show one project",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam },
  responses: {
    200: { description: "The project", content: { "application/json": { schema: projectSchema } } },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project} */
export const registerGetProject = (app: App) =>
  app.openapi(route, (c) => c.json(toProject(currentProject(c)), 200));
