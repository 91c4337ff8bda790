/**
 * Push fan-out: tells the NodeShardDOs that some nodes have a new desired bundle (they push the
 * offer to the nodes' open sockets), or that a node must be disconnected. Always best effort
 * and after the D1 write it announces: polling stays the source of truth, so a shard that
 * cannot be reached costs only latency, never correctness.
 */
import { groupByShard, shardFor } from "../domain/node-shard";
import { PUSH_CLOSE } from "../domain/push-protocol";
import type { Env } from "../env";
import type { PushResult } from "../rpc/node-shard";
import type { Services } from "./index";

/** What one fan-out did, summed over the shards. */
export interface FanOutResult extends PushResult {
  /** Shards told. */
  shards: number;
  /** Shards whose RPC failed (their nodes converge by polling). */
  failedShards: number;
}

/**
 * Asks each shard serving some of `nodeIds` to push their current offers; resolves once every
 * shard answered (or failed). Never rejects.
 */
export async function pushOffers(
  shards: Env["NODE_SHARDS"],
  shardCount: number,
  projectId: string,
  nodeIds: readonly string[],
): Promise<FanOutResult> {
  const groups = groupByShard(projectId, nodeIds, shardCount);
  const results = await Promise.allSettled(
    [...groups].map(([name, ids]) => shards.get(shards.idFromName(name)).pushOffers(ids)),
  );
  const total: FanOutResult = { shards: groups.size, failedShards: 0, connected: 0, sent: 0 };
  for (const r of results) {
    if (r.status === "fulfilled") {
      total.connected += r.value.connected;
      total.sent += r.value.sent;
    } else {
      total.failedShards++;
    }
  }
  return total;
}

/** {@link pushOffers} after the response (`services.defer`), logging shards that failed. */
export function deferPushOffers(
  services: Pick<Services, "nodeShards" | "config" | "logger" | "defer">,
  projectId: string,
  nodeIds: readonly string[],
): void {
  services.defer(
    pushOffers(services.nodeShards, services.config.NODE_SHARD_COUNT, projectId, nodeIds).then(
      (r) => {
        if (r.failedShards > 0) {
          services.logger.warn("push to node shards failed", {
            project_id: projectId,
            failed_shards: r.failedShards,
          });
        }
      },
    ),
  );
}

/** Closes a revoked node's push socket (after the response); its polls already get 401. */
export function deferDisconnectRevoked(
  services: Pick<Services, "nodeShards" | "config" | "logger" | "defer">,
  projectId: string,
  nodeId: string,
): void {
  const shards = services.nodeShards;
  const name = shardFor(projectId, nodeId, services.config.NODE_SHARD_COUNT);
  services.defer(
    shards
      .get(shards.idFromName(name))
      .disconnect(nodeId, PUSH_CLOSE.revoked, "node revoked")
      .catch((err: unknown) => {
        services.logger.warn("closing a revoked node's socket failed", {
          node_id: nodeId,
          error: String(err),
        });
      }),
  );
}
