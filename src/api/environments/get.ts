import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { environments } from "../../db/schema";
import type { Db } from "../../services";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { type EnvironmentRow, environmentParams, environmentSchema, toEnvironment } from "./schema";

/** The environment with this id in this project, or 404. */
export async function findEnvironment(
  db: Db,
  projectId: string,
  id: string,
): Promise<EnvironmentRow> {
  const row = await db.query.environments.findFirst({
    where: and(eq(environments.id, id), eq(environments.projectId, projectId)),
  });
  if (!row) {
    throw notFound("Environment");
  }
  return row;
}

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/environments/{environment_id}",
  tags: ["Environments"],
  summary: "Show one environment",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: environmentParams },
  responses: {
    200: {
      description: "The environment",
      content: { "application/json": { schema: environmentSchema } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/environments/{environment_id} */
export const registerGetEnvironment = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const { environment_id } = c.req.valid("param");
    const row = await findEnvironment(db, currentProject(c).id, environment_id);
    return c.json(toEnvironment(row), 200);
  });
