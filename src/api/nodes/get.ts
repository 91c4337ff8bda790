import { createRoute } from "@hono/zod-openapi";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { nodeInProject, nodeSchema, projectNodeParams, toNode } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/nodes/{node_id}",
  tags: ["Nodes"],
  summary: "Show one node: status, labels, bundles, health and metrics",
  security: operatorSecurity("nodes:read"),
  middleware: [requireScope("nodes:read")] as const,
  request: { params: projectNodeParams },
  responses: {
    200: { description: "The node", content: { "application/json": { schema: nodeSchema } } },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/nodes/{node_id} */
export const registerGetNode = (app: App) =>
  app.openapi(route, async (c) => {
    const node = await nodeInProject(
      c.get("services"),
      currentProject(c),
      c.req.valid("param").node_id,
    );
    return c.json(toNode(node), 200);
  });
