import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import { nodeHeartbeats } from "../../db/schema";
import { badRequest, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { EXAMPLE_BUNDLE_ID } from "../node-api/schema";
import { decodeCursor, paginate } from "../pagination";
import { iso, isoTime, listOf, pageQuery } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { nodeInProject, projectNodeParams } from "./schema";

const heartbeatSchema = z
  .object({
    id: z.number().int().openapi({ example: 1234 }),
    created_at: isoTime,
    health: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ example: { status: "healthy" } }),
    metrics: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ example: { error_rate: 0.2, latency_p99_ms: 41, cpu_percent: 12.5 } }),
    active_bundle_id: z.string().nullable().openapi({ example: EXAMPLE_BUNDLE_ID }),
    staged_bundle_id: z.string().nullable().openapi({ example: null }),
  })
  .openapi("NodeHeartbeat");

const query = pageQuery.extend({
  since: z.iso
    .datetime()
    .optional()
    .openapi({ param: { name: "since", in: "query" }, example: "2026-11-22T09:00:00Z" }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/nodes/{node_id}/heartbeats",
  tags: ["Nodes"],
  summary: "Recent heartbeat history of a node, newest first (for charts)",
  description:
    "Each row is the node's state right after that heartbeat. History is bounded per node.",
  security: operatorSecurity("nodes:read"),
  middleware: [requireScope("nodes:read")] as const,
  request: { params: projectNodeParams, query },
  responses: {
    200: {
      description: "Heartbeats",
      content: { "application/json": { schema: listOf(heartbeatSchema, "NodeHeartbeat") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/nodes/{node_id}/heartbeats */
export const registerListNodeHeartbeats = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const { node_id: nodeId } = c.req.valid("param");
    const { limit, cursor, since } = c.req.valid("query");
    const node = await nodeInProject(services, currentProject(c), nodeId);
    const where: SQL[] = [eq(nodeHeartbeats.nodeId, node.id)];
    const after = decodeCursor(cursor);
    if (after) {
      // Row ids grow with insertion, so "older than the cursor" is "smaller id".
      const id = Number(after.id);
      if (!Number.isSafeInteger(id)) {
        throw badRequest("Invalid cursor", [{ path: "cursor", message: "not a heartbeat cursor" }]);
      }
      where.push(lt(nodeHeartbeats.id, id));
    }
    if (since) {
      where.push(gte(nodeHeartbeats.createdAt, Date.parse(since)));
    }
    const rows = await services.db
      .select()
      .from(nodeHeartbeats)
      .where(and(...where))
      .orderBy(desc(nodeHeartbeats.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.createdAt, id: String(r.id) }));
    return c.json(
      {
        items: page.items.map((r) => ({
          id: r.id,
          created_at: iso(r.createdAt),
          health: r.health,
          metrics: r.metrics,
          active_bundle_id: r.activeBundleId,
          staged_bundle_id: r.stagedBundleId,
        })),
        next_cursor: page.next_cursor,
      },
      200,
    );
  });
