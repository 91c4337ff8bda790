import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { NODE_EVENT_SEVERITIES, nodeEvents } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { iso, isoTime, listOf, pageQuery } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { nodeInProject, projectNodeParams } from "./schema";

const nodeEventSchema = z
  .object({
    id: z.string().uuid(),
    event_type: z.string().openapi({ example: "bundle_switch" }),
    severity: z
      .string()
      .openapi({ example: "info", description: NODE_EVENT_SEVERITIES.join(" | ") }),
    message: z.string().openapi({ example: "Bundle 9f2c4e0a7b1d activated" }),
    metadata: z.record(z.string(), z.unknown()),
    created_at: isoTime,
  })
  .openapi("NodeEvent");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/nodes/{node_id}/events",
  tags: ["Nodes"],
  summary: "Events a node reported (and its bundle reports), newest first",
  security: operatorSecurity("nodes:read"),
  middleware: [requireScope("nodes:read")] as const,
  request: { params: projectNodeParams, query: pageQuery },
  responses: {
    200: {
      description: "Node events",
      content: { "application/json": { schema: listOf(nodeEventSchema, "NodeEvent") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/nodes/{node_id}/events */
export const registerListNodeEvents = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const { node_id: nodeId } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const node = await nodeInProject(services, currentProject(c), nodeId);
    const rows = await services.db
      .select()
      .from(nodeEvents)
      .where(
        and(
          eq(nodeEvents.nodeId, node.id),
          afterCursor(decodeCursor(cursor), nodeEvents.createdAt, nodeEvents.id),
        ),
      )
      .orderBy(...cursorOrder(nodeEvents.createdAt, nodeEvents.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.createdAt, id: r.id }));
    return c.json(
      {
        items: page.items.map((r) => ({
          id: r.id,
          event_type: r.eventType,
          severity: r.severity,
          message: r.message,
          metadata: r.metadata,
          created_at: iso(r.createdAt),
        })),
        next_cursor: page.next_cursor,
      },
      200,
    );
  });
