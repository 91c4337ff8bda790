import { createRoute, z } from "@hono/zod-openapi";
import { jitterSeconds } from "../../domain/jitter";
import { errorResponses } from "../errors";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import { iso, isoTime } from "../schemas";
import { recordHeartbeatInD1, recordHeartbeatInShard } from "./heartbeat-write";
import {
  bundleIdSchema,
  EXAMPLE_NODE_ID,
  jsonObjectSchema,
  nodeErrors,
  nodeIdParam,
  nodeSecurity,
} from "./schema";

const metric = z.number().min(0).nullable().optional();

const body = z
  .object({
    health: z
      .looseObject({
        status: z.enum(["healthy", "degraded", "unhealthy"]).optional(),
      })
      .nullable()
      .optional()
      .openapi({ example: { status: "healthy" } }),
    metrics: z
      .looseObject({
        error_rate: metric.openapi({ description: "percent of failed requests" }),
        latency_p99_ms: metric,
        cpu_percent: metric,
        memory_percent: metric,
        request_count: metric,
        error_count: metric,
      })
      .nullable()
      .optional()
      .openapi({
        example: { error_rate: 0.2, latency_p99_ms: 41, cpu_percent: 12.5, memory_percent: 38 },
      }),
    active_bundle_id: bundleIdSchema.nullable().optional(),
    staged_bundle_id: bundleIdSchema.nullable().optional(),
    version: z.string().max(100).nullable().optional().openapi({ example: "0.9.2" }),
    hostname: z.string().max(255).nullable().optional().openapi({ example: "edge-eu-1" }),
    metadata: jsonObjectSchema.nullable().optional(),
  })
  .openapi("Heartbeat", {
    description:
      "Merge-patch at the top level: omitted fields keep their stored value, null clears " +
      "(metadata resets to {}). health and metrics replace the previous snapshot as a whole.",
  });

const response = z
  .object({
    status: z.literal("ok"),
    node_id: z.string().uuid().openapi({ example: EXAMPLE_NODE_ID }),
    last_seen_at: isoTime,
    heartbeat_interval_s: z
      .number()
      .int()
      .openapi({ example: 31, description: "send the next heartbeat after this (±10 % jitter)" }),
  })
  .openapi("HeartbeatAck");

const route = createRoute({
  method: "post",
  path: "/api/v1/nodes/{node_id}/heartbeat",
  tags: ["Node API"],
  summary: "Report liveness, health, metrics and the bundle the node runs",
  description:
    "`active_bundle_id` is the node's truth about what it runs; the rollout engine and drift " +
    "detection use it. A bundle id the project does not know is accepted and flagged " +
    "(`node.unknown_bundle`). Cost: the authentication read and one durable write to the " +
    "node's shard; D1 is written by the shard's coalesced flush (bounded staleness, see " +
    "docs/scale.md), so the dashboard shows a heartbeat within seconds, not at once.",
  security: nodeSecurity,
  request: {
    params: nodeIdParam,
    body: { required: false, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: { description: "Recorded", content: { "application/json": { schema: response } } },
    400: errorResponses[400],
    ...nodeErrors,
  },
});

/** POST /api/v1/nodes/{node_id}/heartbeat */
export const registerHeartbeat = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const { config } = services;
    const node = currentNode(c);
    const now = services.clock.now();
    const record =
      config.HEARTBEAT_WRITE_PATH === "direct" ? recordHeartbeatInD1 : recordHeartbeatInShard;
    await record(services, node, c.req.valid("json"), now);
    return c.json(
      {
        status: "ok" as const,
        node_id: node.id,
        last_seen_at: iso(now),
        heartbeat_interval_s: jitterSeconds(config.HEARTBEAT_INTERVAL_S, Math.random()),
      },
      200,
    );
  });
