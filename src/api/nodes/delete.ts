import { createRoute } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { nodes } from "../../db/schema";
import { deferDisconnectRevoked } from "../../services/push";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { nodeInProject, nodeSchema, projectNodeParams, toNode } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/nodes/{node_id}",
  tags: ["Nodes"],
  summary: "Revoke a node",
  description:
    "Its key and JWTs stop working at once (401); the row, history and events are kept. " +
    "The name becomes free for a new registration. Revoking a revoked node changes nothing.",
  security: operatorSecurity("nodes:write"),
  middleware: [requireScope("nodes:write")] as const,
  request: { params: projectNodeParams },
  responses: {
    200: {
      description: "The revoked node",
      content: { "application/json": { schema: nodeSchema } },
    },
    ...operatorErrors,
  },
});

/** DELETE /api/v1/projects/{project}/nodes/{node_id} */
export const registerDeleteNode = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { node_id: nodeId } = c.req.valid("param");
    const node = await nodeInProject(services, project, nodeId);
    const now = services.clock.now();
    const [revoked] = await services.db
      .update(nodes)
      .set({ revokedAt: now })
      .where(and(eq(nodes.id, node.id), isNull(nodes.revokedAt)))
      .returning();
    if (!revoked) {
      return c.json(toNode(node), 200);
    }
    await services.audit.record(
      {
        orgId: project.orgId,
        projectId: project.id,
        actor,
        action: "node.revoked",
        resourceType: "node",
        resourceId: node.id,
        diff: {
          before: { revoked_at: null, name: node.name },
          after: { revoked_at: new Date(now).toISOString() },
        },
        requestId: services.requestId,
      },
      [
        {
          projectId: project.id,
          type: "node.revoked",
          severity: "warning",
          resourceType: "node",
          resourceId: node.id,
          payload: { node_id: node.id, name: node.name },
        },
      ],
    );
    deferDisconnectRevoked(services, project.id, node.id);
    return c.json(toNode(revoked), 200);
  });
