import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { nodes } from "../../db/schema";
import type { NodeRow, ProjectRow, Services } from "../../services";
import { notFound } from "../errors";
import { EXAMPLE_BUNDLE_ID, EXAMPLE_NODE_ID } from "../node-api/schema";
import { iso, isoTime, projectParam } from "../schemas";

/** Node status as operators see it: the stored liveness, or `revoked`. */
export const NODE_VIEW_STATUSES = ["online", "offline", "unknown", "revoked"] as const;

const bundleRef = z.string().nullable().openapi({ example: EXAMPLE_BUNDLE_ID });

export const nodeSchema = z
  .object({
    id: z.string().uuid().openapi({ example: EXAMPLE_NODE_ID }),
    name: z.string().openapi({ example: "edge-eu-1" }),
    status: z.enum(NODE_VIEW_STATUSES).openapi({ example: "online" }),
    labels: z.record(z.string(), z.string()).openapi({ example: { region: "eu-west" } }),
    capabilities: z.array(z.string()).openapi({ example: ["zstd"] }),
    version: z.string().nullable().openapi({ example: "0.9.2" }),
    hostname: z.string().nullable().openapi({ example: "edge-eu-1.example.net" }),
    ip: z.string().nullable().openapi({ example: "203.0.113.10" }),
    metadata: z.record(z.string(), z.unknown()),
    health: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ example: { status: "healthy" } }),
    metrics: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ example: { error_rate: 0.2, latency_p99_ms: 41 } }),
    active_bundle_id: bundleRef,
    staged_bundle_id: bundleRef,
    desired_bundle_id: bundleRef,
    desired_rollout_id: z.string().nullable().openapi({ example: null }),
    desired_is_rollback: z.boolean(),
    pinned_bundle_id: bundleRef,
    diverged_since: isoTime.nullable(),
    last_seen_at: isoTime.nullable(),
    last_heartbeat_at: isoTime.nullable(),
    registered_at: isoTime,
    revoked_at: isoTime.nullable(),
    token_issued_at: isoTime.nullable(),
  })
  .openapi("Node");

export type NodeResponse = z.infer<typeof nodeSchema>;

/** API shape of a node row (never the key hash). */
export function toNode(n: NodeRow): NodeResponse {
  return {
    id: n.id,
    name: n.name,
    status: n.revokedAt === null ? n.status : "revoked",
    labels: { ...n.labels },
    capabilities: [...n.capabilities],
    version: n.version,
    hostname: n.hostname,
    ip: n.ip,
    metadata: { ...n.metadata },
    health: n.health,
    metrics: n.metrics,
    active_bundle_id: n.activeBundleId,
    staged_bundle_id: n.stagedBundleId,
    desired_bundle_id: n.desiredBundleId,
    desired_rollout_id: n.desiredRolloutId,
    desired_is_rollback: n.desiredIsRollback,
    pinned_bundle_id: n.pinnedBundleId,
    diverged_since: iso(n.divergedSince),
    last_seen_at: iso(n.lastSeenAt),
    last_heartbeat_at: iso(n.lastHeartbeatAt),
    registered_at: iso(n.registeredAt),
    revoked_at: iso(n.revokedAt),
    token_issued_at: iso(n.tokenIssuedAt),
  };
}

/** Path parameters `{project}` and `{node_id}`. */
export const projectNodeParams = projectParam.extend({
  node_id: z
    .string()
    .uuid()
    .openapi({ param: { name: "node_id", in: "path" }, example: EXAMPLE_NODE_ID }),
});

/** The node with this id in this project; another project's node is 404 like a missing one. */
export async function nodeInProject(
  services: Services,
  project: ProjectRow,
  nodeId: string,
): Promise<NodeRow> {
  const [row] = await services.db
    .select()
    .from(nodes)
    .where(and(eq(nodes.id, nodeId), eq(nodes.projectId, project.id)))
    .limit(1);
  if (!row) {
    throw notFound("Node");
  }
  return row;
}
