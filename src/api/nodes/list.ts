import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import { nodes } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { LABEL_KEY_PATTERN } from "../node-api/schema";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { NODE_VIEW_STATUSES, nodeSchema, toNode } from "./schema";

/** Label filters per request (each is one json_extract condition). */
const MAX_LABEL_FILTERS = 20;

const labelFilter = z.string().refine(
  (v) => {
    const sep = v.indexOf(":");
    return sep > 0 && LABEL_KEY_PATTERN.test(v.slice(0, sep));
  },
  { message: "must be key:value with a valid label key" },
);

const query = pageQuery.extend({
  status: z
    .enum(NODE_VIEW_STATUSES)
    .optional()
    .openapi({
      param: { name: "status", in: "query" },
      description: "revoked nodes are listed only with status=revoked",
      example: "online",
    }),
  label: z
    .preprocess(
      (v) => (typeof v === "string" ? [v] : v),
      z.array(labelFilter).max(MAX_LABEL_FILTERS),
    )
    .optional()
    .openapi({
      param: { name: "label", in: "query", style: "form", explode: true },
      description: "key:value; repeat to require several labels (all must match)",
      example: ["region:eu-west"],
    }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/nodes",
  tags: ["Nodes"],
  summary: "List nodes, newest registration first",
  security: operatorSecurity("nodes:read"),
  middleware: [requireScope("nodes:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "Nodes",
      content: { "application/json": { schema: listOf(nodeSchema, "Node") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/nodes?status=&label=key:value&limit=&cursor= */
export const registerListNodes = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor, status, label } = c.req.valid("query");
    const where: Array<SQL | undefined> = [eq(nodes.projectId, project.id)];
    if (status === "revoked") {
      where.push(isNotNull(nodes.revokedAt));
    } else {
      where.push(isNull(nodes.revokedAt));
      if (status !== undefined) {
        where.push(eq(nodes.status, status));
      }
    }
    for (const filter of label ?? []) {
      const sep = filter.indexOf(":");
      // The key is validated against LABEL_KEY_PATTERN (no quotes), and both path and value
      // are bound parameters.
      const path = `$."${filter.slice(0, sep)}"`;
      where.push(sql`json_extract(${nodes.labels}, ${path}) = ${filter.slice(sep + 1)}`);
    }
    where.push(afterCursor(decodeCursor(cursor), nodes.registeredAt, nodes.id));
    const rows = await db
      .select()
      .from(nodes)
      .where(and(...where))
      .orderBy(...cursorOrder(nodes.registeredAt, nodes.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (n) => ({ t: n.registeredAt, id: n.id }));
    return c.json({ items: page.items.map(toNode), next_cursor: page.next_cursor }, 200);
  });
