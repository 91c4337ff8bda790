import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, inArray } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { bundles, type RolloutState, rolloutNodes, rollouts } from "../../db/schema";
import { assignBundle } from "../../services/assignments";
import { deferPushOffers } from "../../services/push";
import { conflict, errorResponses, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { bundleIdSchema } from "../node-api/schema";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { nodeInProject, nodeSchema, projectNodeParams, toNode } from "./schema";

/** Rollout states that own their nodes' desired bundles: direct assignment would fight them. */
export const ACTIVE_ROLLOUT_STATES = [
  "pending_approval",
  "scheduled",
  "running",
  "paused",
  "rolling_back",
] as const satisfies readonly RolloutState[];

const body = z.object({ bundle_id: bundleIdSchema }).openapi("AssignBundle");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/nodes/{node_id}/assign",
  tags: ["Nodes"],
  summary: "Assign a compiled bundle to one node directly (outside any rollout)",
  description:
    "Sets the node's desired bundle; its next poll offers it. An older bundle than the one the " +
    "node runs is offered with `rollback: true`. Refused (409) for a revoked node, a bundle " +
    "that is not compiled, or a node that belongs to an active rollout. Audited as " +
    "`node.bundle_assigned`.",
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

/** POST /api/v1/projects/{project}/nodes/{node_id}/assign */
export const registerAssignBundle = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const { db, d1, audit, requestId } = services;
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { node_id: nodeId } = c.req.valid("param");
    const { bundle_id: bundleId } = c.req.valid("json");
    const node = await nodeInProject(services, project, nodeId);
    if (node.revokedAt !== null) {
      throw conflict("Node has been revoked");
    }
    const ids = node.activeBundleId === null ? [bundleId] : [bundleId, node.activeBundleId];
    const [found, owner] = await Promise.all([
      db
        .select({ id: bundles.id, status: bundles.status, sequence: bundles.sequence })
        .from(bundles)
        .where(and(eq(bundles.projectId, project.id), inArray(bundles.id, ids))),
      db
        .select({ id: rollouts.id, state: rollouts.state })
        .from(rolloutNodes)
        .innerJoin(rollouts, eq(rollouts.id, rolloutNodes.rolloutId))
        .where(
          and(eq(rolloutNodes.nodeId, node.id), inArray(rollouts.state, ACTIVE_ROLLOUT_STATES)),
        )
        .limit(1),
    ]);
    const bundle = found.find((b) => b.id === bundleId);
    if (!bundle) {
      throw notFound("Bundle");
    }
    if (bundle.status !== "compiled") {
      throw conflict(`Bundle is ${bundle.status}; only compiled bundles can be assigned`, [
        { path: "bundle_id", message: `status is ${bundle.status}` },
      ]);
    }
    const active = owner[0];
    if (active) {
      throw conflict(`Node is part of rollout ${active.id} (${active.state})`, [
        { path: "node_id", message: `owned by rollout ${active.id}; pause or cancel it first` },
      ]);
    }
    const running = found.find((b) => b.id === node.activeBundleId && b.id !== bundleId);
    const rollback = running !== undefined && running.sequence > bundle.sequence;
    await d1.batch(
      assignBundle(services, {
        projectId: project.id,
        nodeIds: [node.id],
        bundleId,
        rolloutId: null,
        rollback,
      }),
    );
    await audit.record(
      {
        orgId: project.orgId,
        projectId: project.id,
        actor,
        action: "node.bundle_assigned",
        resourceType: "node",
        resourceId: node.id,
        diff: {
          before: {
            desired_bundle_id: node.desiredBundleId,
            desired_rollout_id: node.desiredRolloutId,
          },
          after: { desired_bundle_id: bundleId, desired_rollout_id: null, rollback },
        },
        requestId,
      },
      [
        {
          projectId: project.id,
          type: "node.bundle_assigned",
          resourceType: "node",
          resourceId: node.id,
          payload: { node_id: node.id, bundle_id: bundleId, rollback },
        },
      ],
    );
    deferPushOffers(services, project.id, [node.id]);
    return c.json(toNode(await nodeInProject(services, project, node.id)), 200);
  });
