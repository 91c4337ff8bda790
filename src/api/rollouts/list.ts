import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, type SQL } from "drizzle-orm";
import { rollouts } from "../../db/schema";
import { ROLLOUT_STATES } from "../../domain/rollout";
import { bundleIdSchema } from "../bundles/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { rolloutSummarySchema } from "./schema";
import { toRolloutSummary } from "./view";

const query = pageQuery.extend({
  state: z
    .enum(ROLLOUT_STATES)
    .optional()
    .openapi({ param: { name: "state", in: "query" }, example: "running" }),
  bundle_id: bundleIdSchema.optional().openapi({ param: { name: "bundle_id", in: "query" } }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/rollouts",
  tags: ["Rollouts"],
  summary: "List rollouts, newest first",
  security: operatorSecurity("rollouts:read"),
  middleware: [requireScope("rollouts:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "Rollouts",
      content: { "application/json": { schema: listOf(rolloutSummarySchema, "Rollout") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/rollouts?state=&bundle_id=&limit=&cursor= */
export const registerListRollouts = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor, state, bundle_id: bundleId } = c.req.valid("query");
    const where: Array<SQL | undefined> = [eq(rollouts.projectId, project.id)];
    if (state !== undefined) {
      where.push(eq(rollouts.state, state));
    }
    if (bundleId !== undefined) {
      where.push(eq(rollouts.bundleId, bundleId));
    }
    where.push(afterCursor(decodeCursor(cursor), rollouts.createdAt, rollouts.id));
    const rows = await db
      .select()
      .from(rollouts)
      .where(and(...where))
      .orderBy(...cursorOrder(rollouts.createdAt, rollouts.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.createdAt, id: r.id }));
    return c.json({ items: page.items.map(toRolloutSummary), next_cursor: page.next_cursor }, 200);
  });
