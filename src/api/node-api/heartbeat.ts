import { createRoute, z } from "@hono/zod-openapi";
import { jitterSeconds } from "../../domain/jitter";
import { notifyNodeReport } from "../../services/rollout-notifier";
import { errorResponses } from "../errors";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import { iso, isoTime } from "../schemas";
import {
  divergedSince,
  emitBackOnline,
  emitUnknownBundles,
  flagUnknownBundleStatement,
  type NodeFields,
  unfamiliarBundleIds,
  updateNodeStatement,
} from "./node-state";
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
    "(`node.unknown_bundle`). Cost: one batch (node row + one history row).",
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
    const { d1, clock, config } = services;
    const node = currentNode(c);
    const input = c.req.valid("json");
    const now = clock.now();

    const active =
      input.active_bundle_id !== undefined ? input.active_bundle_id : node.activeBundleId;
    const fields: NodeFields = { status: "online", last_seen_at: now, last_heartbeat_at: now };
    if (input.health !== undefined) {
      fields.health = input.health;
    }
    if (input.metrics !== undefined) {
      fields.metrics = input.metrics;
    }
    if (input.active_bundle_id !== undefined) {
      fields.active_bundle_id = input.active_bundle_id;
      fields.diverged_since = divergedSince(node, active, now);
    }
    if (input.staged_bundle_id !== undefined) {
      fields.staged_bundle_id = input.staged_bundle_id;
    }
    if (input.version !== undefined) {
      fields.version = input.version;
    }
    if (input.hostname !== undefined) {
      fields.hostname = input.hostname;
    }
    if (input.metadata !== undefined) {
      fields.metadata = input.metadata ?? {};
    }

    // The history row records the node's state after this heartbeat (what charts plot).
    const health = input.health !== undefined ? input.health : node.health;
    const metrics = input.metrics !== undefined ? input.metrics : node.metrics;
    const staged =
      input.staged_bundle_id !== undefined ? input.staged_bundle_id : node.stagedBundleId;
    const statements = [
      updateNodeStatement(d1, node.id, fields),
      d1
        .prepare(
          `INSERT INTO node_heartbeats (node_id, project_id, health, metrics, active_bundle_id,
             staged_bundle_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          node.id,
          node.projectId,
          health === null ? null : JSON.stringify(health),
          metrics === null ? null : JSON.stringify(metrics),
          active,
          staged,
          now,
        ),
    ];
    const flags = [
      ...unfamiliarBundleIds(node, [input.active_bundle_id]).map((id) => ({
        bundleId: id,
        source: "heartbeat active_bundle_id",
      })),
      ...unfamiliarBundleIds(node, [input.staged_bundle_id])
        .filter((id) => id !== input.active_bundle_id)
        .map((id) => ({ bundleId: id, source: "heartbeat staged_bundle_id" })),
    ];
    for (const flag of flags) {
      statements.push(flagUnknownBundleStatement(services, node, flag.bundleId, flag.source, now));
    }
    const results = await d1.batch(statements);

    emitUnknownBundles(
      services,
      node,
      flags.map((f, i) => ({ ...f, result: results[2 + i] })),
    );
    emitBackOnline(services, node, now);
    if (
      input.active_bundle_id !== undefined &&
      active !== node.activeBundleId &&
      node.desiredRolloutId !== null
    ) {
      notifyNodeReport(services, node.desiredRolloutId, {
        nodeId: node.id,
        bundleId: active,
        kind: "heartbeat",
        at: now,
      });
    }
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
