import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, or, type SQL } from "drizzle-orm";
import { nodes, rolloutNodes } from "../../db/schema";
import { NODE_STATUSES } from "../../domain/rollout";
import { UNPLANNED_STEP_INDEX } from "../../services/rollout-queries";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { decodeCursor, paginate } from "../pagination";
import { iso, listOf, pageQuery } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { rolloutNodeSchema, rolloutParams } from "./schema";
import { requireRollout } from "./view";

const query = pageQuery.extend({
  state: z
    .enum(NODE_STATUSES)
    .optional()
    .openapi({ param: { name: "state", in: "query" }, example: "failed" }),
  step: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ param: { name: "step", in: "query" }, example: 0 }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/rollouts/{rollout_id}/nodes",
  tags: ["Rollouts"],
  summary: "Per-node status of a rollout, in plan order",
  description:
    "Each node's state in the rollout, the bundle it ran before (what a rollback restores) " +
    "and its error. Nodes the planner skipped come first, with `step_index: null`.",
  security: operatorSecurity("rollouts:read"),
  middleware: [requireScope("rollouts:read")] as const,
  request: { params: rolloutParams, query },
  responses: {
    200: {
      description: "Rollout nodes",
      content: { "application/json": { schema: listOf(rolloutNodeSchema, "RolloutNode") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/rollouts/{rollout_id}/nodes?state=&step=&limit=&cursor= */
export const registerListRolloutNodes = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const { rollout_id: id } = c.req.valid("param");
    const { limit, cursor, state, step } = c.req.valid("query");
    const rollout = await requireRollout(services, project.id, id);
    const where: Array<SQL | undefined> = [eq(rolloutNodes.rolloutId, rollout.id)];
    if (state !== undefined) {
      where.push(eq(rolloutNodes.state, state));
    }
    if (step !== undefined) {
      where.push(eq(rolloutNodes.stepIndex, step));
    }
    // The cursor is the (step_index, node_id) of the last row, in ascending order.
    const after = decodeCursor(cursor);
    if (after) {
      where.push(
        or(
          gt(rolloutNodes.stepIndex, after.t),
          and(eq(rolloutNodes.stepIndex, after.t), gt(rolloutNodes.nodeId, after.id)),
        ),
      );
    }
    const rows = await services.db
      .select({ row: rolloutNodes, name: nodes.name })
      .from(rolloutNodes)
      .leftJoin(nodes, eq(nodes.id, rolloutNodes.nodeId))
      .where(and(...where))
      .orderBy(asc(rolloutNodes.stepIndex), asc(rolloutNodes.nodeId))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.row.stepIndex, id: r.row.nodeId }));
    const items = page.items.map(({ row, name }) => ({
      node_id: row.nodeId,
      node_name: name,
      step_index: row.stepIndex === UNPLANNED_STEP_INDEX ? null : row.stepIndex,
      state: row.state,
      previous_bundle_id: row.previousBundleId,
      assigned_at: iso(row.assignedAt),
      activated_at: iso(row.activatedAt),
      error: row.error,
      updated_at: iso(row.updatedAt),
    }));
    return c.json({ items, next_cursor: page.next_cursor }, 200);
  });
