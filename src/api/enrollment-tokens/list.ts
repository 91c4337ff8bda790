import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { enrollmentTokens } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { enrollmentTokenSchema, toEnrollmentToken } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/enrollment-tokens",
  tags: ["Enrollment tokens"],
  summary: "List enrollment tokens, newest first (never the secrets)",
  security: operatorSecurity("nodes:read"),
  middleware: [requireScope("nodes:read")] as const,
  request: { params: projectParam, query: pageQuery },
  responses: {
    200: {
      description: "Enrollment tokens",
      content: {
        "application/json": { schema: listOf(enrollmentTokenSchema, "EnrollmentToken") },
      },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/enrollment-tokens */
export const registerListEnrollmentTokens = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor } = c.req.valid("query");
    const after = afterCursor(
      decodeCursor(cursor),
      enrollmentTokens.createdAt,
      enrollmentTokens.id,
    );
    const rows = await db
      .select()
      .from(enrollmentTokens)
      .where(and(eq(enrollmentTokens.projectId, project.id), after))
      .orderBy(...cursorOrder(enrollmentTokens.createdAt, enrollmentTokens.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.createdAt, id: r.id }));
    const now = clock.now();
    return c.json(
      { items: page.items.map((r) => toEnrollmentToken(r, now)), next_cursor: page.next_cursor },
      200,
    );
  });
