import { createRoute, z } from "@hono/zod-openapi";
import type { RolloutNodeState } from "../../db/schema";
import type { NodeRow, Services } from "../../services";
import { noteReportWrite } from "../../services/node-shards";
import { notifyNodeReport } from "../../services/rollout-notifier";
import { errorResponses } from "../errors";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import {
  divergedSince,
  emitBackOnline,
  emitUnknownBundles,
  flagUnknownBundleStatement,
  type NodeFields,
  unfamiliarBundleIds,
  updateNodeStatement,
} from "./node-state";
import { MAX_NODE_TEXT_CHARS, nodeBundleParams, nodeErrors, nodeSecurity } from "./schema";

/** The explicit report kinds (one route each). */
export const REPORT_KINDS = ["staged", "activated", "verified", "failed"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/**
 * Per kind: the rollout-node state it moves to, the states it may move from (progress only goes
 * forward, so a late or repeated report never undoes a newer one), and how it is logged.
 */
const REPORT_EFFECTS: Record<
  ReportKind,
  {
    state: RolloutNodeState;
    from: readonly RolloutNodeState[];
    eventType: "info" | "bundle_switch" | "error";
    severity: "info" | "error";
  }
> = {
  staged: { state: "staged", from: ["pending", "assigned"], eventType: "info", severity: "info" },
  activated: {
    state: "active",
    from: ["pending", "assigned", "staged"],
    eventType: "bundle_switch",
    severity: "info",
  },
  verified: {
    state: "verified",
    from: ["pending", "assigned", "staged", "active"],
    eventType: "info",
    severity: "info",
  },
  failed: {
    state: "failed",
    from: ["pending", "assigned", "staged", "active", "verified"],
    eventType: "error",
    severity: "error",
  },
};

const body = z
  .object({
    error: z.string().optional().openapi({ example: "manifest.sig does not verify" }),
    logs: z.string().optional().openapi({ example: "zentinel validate: ok\nreloaded in 120 ms" }),
    duration_ms: z.number().int().min(0).optional().openapi({ example: 842 }),
  })
  .openapi("BundleReport", {
    description: `error and logs are stored truncated to ${MAX_NODE_TEXT_CHARS} characters`,
  });

const ok = z.object({ status: z.literal("ok") }).openapi("NodeOk");

function reportRoute(kind: ReportKind) {
  return createRoute({
    method: "post",
    path: `/api/v1/nodes/{node_id}/bundles/{bundle_id}/${kind}`,
    tags: ["Node API"],
    summary: `Report that the node ${kind} a bundle`,
    description:
      "Idempotent: a repeated report leaves the same state. `staged` sets the node's staged " +
      "bundle; `activated` and `verified` make it the active bundle; `failed` keeps the active " +
      "bundle. The report is logged as a node event, moves the node forward in its current " +
      "rollout and is forwarded to the rollout engine at once.",
    security: nodeSecurity,
    request: {
      params: nodeBundleParams,
      body: { required: false, content: { "application/json": { schema: body } } },
    },
    responses: {
      200: { description: "Recorded", content: { "application/json": { schema: ok } } },
      400: errorResponses[400],
      ...nodeErrors,
    },
  });
}

/** POST /api/v1/nodes/{node_id}/bundles/{bundle_id}/{staged|activated|verified|failed} */
export function registerBundleReports(app: App): void {
  for (const kind of REPORT_KINDS) {
    app.openapi(reportRoute(kind), async (c) => {
      const services = c.get("services");
      const node = currentNode(c);
      const { bundle_id: bundleId } = c.req.valid("param");
      await recordReport(services, node, kind, bundleId, c.req.valid("json"));
      return c.json({ status: "ok" as const }, 200);
    });
  }
}

/**
 * Node row, node event, rollout progress and the unknown-bundle flag in one batch (reports are
 * rare and must be visible at once, so they write D1 directly); then the node's shard takes the
 * same values, so its next flush cannot write an older pending value over them.
 */
async function recordReport(
  services: Services,
  node: NodeRow,
  kind: ReportKind,
  bundleId: string,
  input: z.infer<typeof body>,
): Promise<void> {
  const { d1 } = services;
  const now = services.clock.now();
  const effect = REPORT_EFFECTS[kind];
  const error = input.error === undefined ? null : truncate(input.error);
  const fields: NodeFields = { status: "online", last_seen_at: now };
  if (kind === "staged") {
    fields.staged_bundle_id = bundleId;
  } else if (node.stagedBundleId === bundleId) {
    // Activating (or failing) a staged bundle consumes the staging.
    fields.staged_bundle_id = null;
  }
  if (kind === "activated" || kind === "verified") {
    fields.active_bundle_id = bundleId;
    fields.diverged_since = divergedSince(node, bundleId, now);
  }
  const statements = [
    updateNodeStatement(d1, node.id, fields),
    d1
      .prepare(
        `INSERT INTO node_events (id, node_id, project_id, event_type, severity, message, metadata,
           created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        crypto.randomUUID(),
        node.id,
        node.projectId,
        effect.eventType,
        effect.severity,
        `Bundle ${bundleId.slice(0, 12)} ${kind}${error === null ? "" : `: ${error}`}`,
        JSON.stringify({
          bundle_id: bundleId,
          report: kind,
          error,
          logs: input.logs === undefined ? null : truncate(input.logs),
          duration_ms: input.duration_ms ?? null,
        }),
        now,
      ),
  ];
  if (node.desiredRolloutId !== null) {
    const from = effect.from.map(() => "?").join(", ");
    statements.push(
      d1
        .prepare(
          `UPDATE rollout_nodes SET state = ?, error = COALESCE(?, error),
             activated_at = CASE WHEN ? = 1 THEN COALESCE(activated_at, ?) ELSE activated_at END,
             updated_at = ?
           WHERE rollout_id = ? AND node_id = ? AND state IN (${from})
             AND EXISTS (SELECT 1 FROM rollouts WHERE id = ? AND bundle_id = ?)`,
        )
        .bind(
          effect.state,
          kind === "failed" ? (error ?? "failed") : null,
          kind === "activated" || kind === "verified" ? 1 : 0,
          now,
          now,
          node.desiredRolloutId,
          node.id,
          ...effect.from,
          node.desiredRolloutId,
          bundleId,
        ),
    );
  }
  const flagged = unfamiliarBundleIds(
    [node.activeBundleId, node.stagedBundleId, node.desiredBundleId],
    [bundleId],
  );
  for (const id of flagged) {
    statements.push(flagUnknownBundleStatement(services, node, id, `${kind} report`, now));
  }
  const results = await d1.batch(statements);
  await noteReportWrite(services, node, {
    last_seen_at: now,
    ...(fields.active_bundle_id === undefined ? {} : { active_bundle_id: fields.active_bundle_id }),
    ...(fields.staged_bundle_id === undefined ? {} : { staged_bundle_id: fields.staged_bundle_id }),
    ...(kind === "staged" ? {} : { consumes: bundleId }),
  });
  emitUnknownBundles(
    services,
    node,
    flagged.map((id, i) => ({
      bundleId: id,
      source: `${kind} report`,
      result: results[statements.length - flagged.length + i],
    })),
  );
  emitBackOnline(services, node, now);
  if (node.desiredRolloutId !== null) {
    notifyNodeReport(services, node.desiredRolloutId, {
      nodeId: node.id,
      bundleId,
      kind,
      ...(error === null ? {} : { error }),
      at: now,
    });
  }
}

function truncate(text: string): string {
  return text.length <= MAX_NODE_TEXT_CHARS ? text : `${text.slice(0, MAX_NODE_TEXT_CHARS)}…`;
}
