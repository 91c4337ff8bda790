import { createRoute } from "@hono/zod-openapi";
import { and, eq, inArray, type SQL } from "drizzle-orm";
import { projects } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery } from "../schemas";
import { operatorSecurity } from "../security";
import { projectSchema, toProject } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects",
  tags: ["Projects"],
  summary: "List the projects you can see",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { query: pageQuery },
  responses: {
    200: {
      description: "Projects, newest first",
      content: { "application/json": { schema: listOf(projectSchema, "Project") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects: an API key sees its org (or its one project); a user, their orgs. */
export const registerListProjects = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const { limit, cursor } = c.req.valid("query");
    const visible: SQL[] = [];
    if (principal.kind === "api_key") {
      visible.push(eq(projects.orgId, principal.orgId));
      if (principal.projectId !== null) {
        visible.push(eq(projects.id, principal.projectId));
      }
    } else {
      visible.push(inArray(projects.orgId, [...principal.roles.keys()]));
    }
    const after = afterCursor(decodeCursor(cursor), projects.createdAt, projects.id);
    const rows = await db
      .select()
      .from(projects)
      .where(and(...visible, after))
      .orderBy(...cursorOrder(projects.createdAt, projects.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (p) => ({ t: p.createdAt, id: p.id }));
    return c.json({ items: page.items.map(toProject), next_cursor: page.next_cursor }, 200);
  });
