import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import { nodeErrors, nodeIdParam, nodeSecurity } from "./schema";
import { publishedSigningKeys, signingKeyInfoSchema } from "./signing-keys";

const response = z
  .object({ signing_keys: z.array(signingKeyInfoSchema) })
  .openapi("NodeSigningKeys");

const route = createRoute({
  method: "get",
  path: "/api/v1/nodes/{node_id}/signing-keys",
  tags: ["Node API"],
  summary: "The project's published signing keys (after a rotation)",
  description:
    "Nodes pin the keys they received at registration. When an offer names a `signing_key_id` " +
    "the node does not know (the project rotated its key), the agent fetches the current list " +
    "here over its authenticated channel, adds the new key and verifies again. Retired keys " +
    "stay listed so bundles signed before a rotation still verify.",
  security: nodeSecurity,
  request: { params: nodeIdParam },
  responses: {
    200: {
      description: "Active key first, then retired keys",
      content: { "application/json": { schema: response } },
    },
    ...nodeErrors,
  },
});

/** GET /api/v1/nodes/{node_id}/signing-keys */
export const registerNodeSigningKeys = (app: App) =>
  app.openapi(route, async (c) => {
    const node = currentNode(c);
    return c.json(
      { signing_keys: await publishedSigningKeys(c.get("services"), node.projectId) },
      200,
    );
  });
