import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, gt, lt, lte, or, type SQL } from "drizzle-orm";
import { freezeWindows } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { freezeWindowSchema, toFreezeWindow } from "./schema";

const query = pageQuery.extend({
  active: z
    .enum(["true", "false"])
    .optional()
    .openapi({
      param: { name: "active", in: "query" },
      description: "true: windows covering now; false: past and future ones",
      example: "true",
    }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/freeze-windows",
  tags: ["Freeze windows"],
  summary: "List freeze windows, latest start first",
  security: operatorSecurity("rollouts:read"),
  middleware: [requireScope("rollouts:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "Freeze windows",
      content: { "application/json": { schema: listOf(freezeWindowSchema, "FreezeWindow") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/freeze-windows?active=&limit=&cursor= */
export const registerListFreezeWindows = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor, active } = c.req.valid("query");
    const now = clock.now();
    const where: Array<SQL | undefined> = [eq(freezeWindows.projectId, project.id)];
    if (active === "true") {
      where.push(lte(freezeWindows.startsAt, now), gt(freezeWindows.endsAt, now));
    } else if (active === "false") {
      where.push(or(gt(freezeWindows.startsAt, now), lte(freezeWindows.endsAt, now)));
    }
    const after = decodeCursor(cursor);
    if (after) {
      where.push(
        or(
          lt(freezeWindows.startsAt, after.t),
          and(eq(freezeWindows.startsAt, after.t), lt(freezeWindows.id, after.id)),
        ),
      );
    }
    const rows = await db
      .select()
      .from(freezeWindows)
      .where(and(...where))
      .orderBy(desc(freezeWindows.startsAt), desc(freezeWindows.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (w) => ({ t: w.startsAt, id: w.id }));
    const items = page.items.map((w) => toFreezeWindow(w, now));
    return c.json({ items, next_cursor: page.next_cursor }, 200);
  });
