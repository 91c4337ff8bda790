import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { mintNodeKey } from "../../auth/tokens";
import { nodes, projects } from "../../db/schema";
import { unauthorized } from "../errors";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import { nodeErrors, nodeIdParam } from "./schema";

const response = z
  .object({
    node_key: z.string().openapi({
      description:
        "The new static key (shown once). The old key and every JWT minted with it stop working at once.",
      example: "Zx8q0m8b3xkq9V1d0f2YwA7c5e6R4t8u9i0o1p2a3s4",
    }),
  })
  .openapi("RotatedNodeKey");

const route = createRoute({
  method: "post",
  path: "/api/v1/nodes/{node_id}/rotate-key",
  tags: ["Node API"],
  summary: "Replace the static node key",
  description: "Requires the current X-Zentinel-Node-Key. Audited as `node.key_rotated`.",
  security: [{ nodeKey: [] }],
  request: { params: nodeIdParam },
  responses: {
    200: { description: "The new key", content: { "application/json": { schema: response } } },
    ...nodeErrors,
  },
});

/** POST /api/v1/nodes/{node_id}/rotate-key */
export const registerRotateNodeKey = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, audit, requestId } = c.get("services");
    const node = currentNode(c);
    const fresh = await mintNodeKey();
    // Compare-and-set on the presented key: of two concurrent rotations exactly one wins, and
    // the loser is told its key is gone instead of receiving a key that never worked.
    const rotated = await db
      .update(nodes)
      .set({ keyHash: fresh.hash })
      .where(and(eq(nodes.id, node.id), eq(nodes.keyHash, node.keyHash), isNull(nodes.revokedAt)))
      .returning({ id: nodes.id });
    if (rotated.length === 0) {
      throw unauthorized("Invalid node key");
    }
    const project = await db.query.projects.findFirst({
      where: eq(projects.id, node.projectId),
      columns: { orgId: true },
    });
    if (!project) {
      throw new Error(`node ${node.id} belongs to a missing project ${node.projectId}`);
    }
    await audit.record({
      orgId: project.orgId,
      projectId: node.projectId,
      actor: { type: "node", id: node.id, label: node.name },
      action: "node.key_rotated",
      resourceType: "node",
      resourceId: node.id,
      requestId,
    });
    return c.json({ node_key: fresh.value }, 200);
  });
