import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { nodes } from "../../db/schema";
import { conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { labelsSchema } from "../node-api/schema";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { nodeInProject, nodeSchema, projectNodeParams, toNode } from "./schema";

const body = z
  .object({
    labels: labelsSchema.openapi({
      description: "Replaces the node's labels (send the full set)",
      example: { region: "eu-west", tier: "edge" },
    }),
  })
  .openapi("UpdateNode");

const route = createRoute({
  method: "patch",
  path: "/api/v1/projects/{project}/nodes/{node_id}",
  tags: ["Nodes"],
  summary: "Set a node's labels",
  description: "Audited as `node.labels_updated` with the labels before and after.",
  security: operatorSecurity("nodes:write"),
  middleware: [requireScope("nodes:write")] as const,
  request: {
    params: projectNodeParams,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: { description: "The node", content: { "application/json": { schema: nodeSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** PATCH /api/v1/projects/{project}/nodes/{node_id} */
export const registerUpdateNode = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { node_id: nodeId } = c.req.valid("param");
    const { labels } = c.req.valid("json");
    const before = await nodeInProject(services, project, nodeId);
    const [updated] = await services.db
      .update(nodes)
      .set({ labels })
      .where(and(eq(nodes.id, before.id), isNull(nodes.revokedAt)))
      .returning();
    if (!updated) {
      throw conflict("Node has been revoked; its labels can no longer change");
    }
    await services.audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "node.labels_updated",
      resourceType: "node",
      resourceId: nodeId,
      diff: { before: { labels: before.labels }, after: { labels } },
      requestId: services.requestId,
    });
    return c.json(toNode(updated), 200);
  });
