import { createRoute } from "@hono/zod-openapi";
import { and, desc, eq, type SQL } from "drizzle-orm";
import { slos } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { sloSchema, toSlo } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/slos",
  tags: ["SLOs"],
  summary: "List SLOs, newest first, with their last computed status",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query: pageQuery },
  responses: {
    200: {
      description: "SLOs",
      content: { "application/json": { schema: listOf(sloSchema, "Slo") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/slos?limit=&cursor= */
export const registerListSlos = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor } = c.req.valid("query");
    const where: Array<SQL | undefined> = [
      eq(slos.projectId, project.id),
      afterCursor(decodeCursor(cursor), slos.createdAt, slos.id),
    ];
    const rows = await db
      .select()
      .from(slos)
      .where(and(...where))
      .orderBy(desc(slos.createdAt), desc(slos.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (s) => ({ t: s.createdAt, id: s.id }));
    return c.json({ items: page.items.map(toSlo), next_cursor: page.next_cursor }, 200);
  });
