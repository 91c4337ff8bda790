/**
 * The node write path's client side: which shard holds a node's hot state, and the calls the
 * node API and the rollout engine make to it (durable-objects/node-shard/hot-path.ts).
 */
import type {
  HeartbeatInput,
  HeartbeatObservation,
  NodeBaseline,
  ReportWrite,
  ShardHeartbeatAck,
} from "../domain/node-hot";
import { groupByShard, shardFor } from "../domain/node-shard";
import type { Env } from "../env";
import type { NodeRow, Services } from "./index";

type ShardServices = Pick<Services, "nodeShards" | "config">;

/** The D1 row as the shard's merge baseline (D1 column names). */
export function nodeBaseline(node: NodeRow): NodeBaseline {
  return {
    projectId: node.projectId,
    status: node.status,
    values: {
      last_seen_at: node.lastSeenAt,
      last_heartbeat_at: node.lastHeartbeatAt,
      health: node.health,
      metrics: node.metrics,
      active_bundle_id: node.activeBundleId,
      staged_bundle_id: node.stagedBundleId,
      version: node.version,
      hostname: node.hostname,
      metadata: node.metadata,
    },
  };
}

function shardOf(services: ShardServices, projectId: string, nodeId: string) {
  const ns = services.nodeShards;
  return ns.get(ns.idFromName(shardFor(projectId, nodeId, services.config.NODE_SHARD_COUNT)));
}

/**
 * Stores a heartbeat in the node's shard. Resolves once the shard's storage write is durable:
 * only then may the heartbeat be acknowledged.
 */
export function storeHeartbeat(
  services: ShardServices,
  node: NodeRow,
  input: HeartbeatInput,
  at: number,
): Promise<ShardHeartbeatAck> {
  return shardOf(services, node.projectId, node.id).heartbeat({
    nodeId: node.id,
    baseline: nodeBaseline(node),
    input,
    at,
  });
}

/**
 * Tells the node's shard what a bundle report wrote to D1, so a pending older value in the
 * shard cannot overwrite it at the next flush. A shard that cannot be reached is logged: the
 * node's next heartbeat (which carries its active bundle) corrects the row anyway.
 */
export async function noteReportWrite(
  services: ShardServices & Pick<Services, "logger">,
  node: NodeRow,
  write: ReportWrite,
): Promise<void> {
  try {
    await shardOf(services, node.projectId, node.id).recordReportWrite({ nodeId: node.id, write });
  } catch (err) {
    services.logger.warn("node shard not told about a report", {
      node_id: node.id,
      error: String(err),
    });
  }
}

/**
 * The latest heartbeat of each listed node from the shards holding them (one RPC per shard,
 * in parallel). Nodes a shard never heard from are absent.
 */
export async function readShardHeartbeats(
  shards: Env["NODE_SHARDS"],
  shardCount: number,
  projectId: string,
  nodeIds: readonly string[],
): Promise<Map<string, HeartbeatObservation>> {
  const groups = groupByShard(projectId, nodeIds, shardCount);
  const answers = await Promise.all(
    [...groups].map(([name, ids]) => shards.get(shards.idFromName(name)).observeHeartbeats(ids)),
  );
  const out = new Map<string, HeartbeatObservation>();
  for (const list of answers) {
    for (const hb of list) {
      out.set(hb.nodeId, hb);
    }
  }
  return out;
}
