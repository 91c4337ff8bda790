import { createRoute, z } from "@hono/zod-openapi";
import { sha256Hex } from "../../auth/crypto";
import { nodeRuntimeConfigs } from "../../db/schema";
import { errorResponses } from "../errors";
import type { App } from "../hono";
import { MAX_BODY_BYTES } from "../middleware/body-limit";
import { currentNode } from "../middleware/node-auth";
import { nodeErrors, nodeIdParam, nodeSecurity } from "./schema";

const body = z
  .object({
    // A whole proxy config: as large as the body limit allows (stated, so clients see it).
    config_kdl: z.string().max(MAX_BODY_BYTES).openapi({
      example:
        'server {\n  worker-threads 4\n}\nlisteners {\n  listener "http" {\n    address "0.0.0.0:8080"\n    protocol "http"\n  }\n}\n',
    }),
  })
  .openapi("NodeRuntimeConfig");

const response = z
  .object({
    status: z.literal("ok"),
    config_hash: z.string().openapi({
      description: "lowercase hex SHA-256 of config_kdl",
      example: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    }),
  })
  .openapi("NodeRuntimeConfigAck");

const route = createRoute({
  method: "post",
  path: "/api/v1/nodes/{node_id}/config",
  tags: ["Node API"],
  summary: "Report the config the node actually runs",
  description: "Replaces the node's stored runtime config (one per node).",
  security: nodeSecurity,
  request: {
    params: nodeIdParam,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: { description: "Stored", content: { "application/json": { schema: response } } },
    400: errorResponses[400],
    ...nodeErrors,
  },
});

/** POST /api/v1/nodes/{node_id}/config */
export const registerNodeConfig = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock } = c.get("services");
    const node = currentNode(c);
    const { config_kdl: configKdl } = c.req.valid("json");
    const configHash = await sha256Hex(configKdl);
    const now = clock.now();
    await db
      .insert(nodeRuntimeConfigs)
      .values({ nodeId: node.id, projectId: node.projectId, configKdl, configHash, updatedAt: now })
      .onConflictDoUpdate({
        target: nodeRuntimeConfigs.nodeId,
        set: { configKdl, configHash, updatedAt: now },
      });
    return c.json({ status: "ok" as const, config_hash: configHash }, 200);
  });
