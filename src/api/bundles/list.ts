import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, isNull, lt, type SQL } from "drizzle-orm";
import { BUNDLE_STATUSES, bundles } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { bundleSummarySchema, toBundleSummary } from "./schema";

const query = pageQuery.extend({
  status: z
    .enum(BUNDLE_STATUSES)
    .optional()
    .openapi({ param: { name: "status", in: "query" }, example: "compiled" }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/bundles",
  tags: ["Bundles"],
  summary: "List bundles, newest (highest sequence) first",
  security: operatorSecurity("bundles:read"),
  middleware: [requireScope("bundles:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "Bundles",
      content: { "application/json": { schema: listOf(bundleSummarySchema, "Bundle") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/bundles?status=&limit=&cursor= (cursor: position by sequence) */
export const registerListBundles = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor, status } = c.req.valid("query");
    const where: SQL[] = [eq(bundles.projectId, project.id), isNull(bundles.deletedAt)];
    if (status) {
      where.push(eq(bundles.status, status));
    }
    const after = decodeCursor(cursor);
    if (after) {
      where.push(lt(bundles.sequence, after.t));
    }
    const rows = await db
      .select()
      .from(bundles)
      .where(and(...where))
      .orderBy(desc(bundles.sequence))
      .limit(limit + 1);
    const page = paginate(rows, limit, (b) => ({ t: b.sequence, id: b.id }));
    return c.json({ items: page.items.map(toBundleSummary), next_cursor: page.next_cursor }, 200);
  });
