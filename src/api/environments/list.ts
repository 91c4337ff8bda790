import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq, gt, or } from "drizzle-orm";
import { environments } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { environmentSchema, toEnvironment } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/environments",
  tags: ["Environments"],
  summary: "List environments in promotion order (ordinal, then name)",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query: pageQuery },
  responses: {
    200: {
      description: "Environments",
      content: { "application/json": { schema: listOf(environmentSchema, "Environment") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/environments (cursor = position in promotion order). */
export const registerListEnvironments = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor);
    // The cursor carries (ordinal, name): names are unique per project, so the order is total.
    const rows = await db
      .select()
      .from(environments)
      .where(
        and(
          eq(environments.projectId, project.id),
          after
            ? or(
                gt(environments.ordinal, after.t),
                and(eq(environments.ordinal, after.t), gt(environments.name, after.id)),
              )
            : undefined,
        ),
      )
      .orderBy(asc(environments.ordinal), asc(environments.name))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.ordinal, id: r.name }));
    return c.json({ items: page.items.map(toEnvironment), next_cursor: page.next_cursor }, 200);
  });
