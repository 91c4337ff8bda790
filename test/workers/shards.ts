/**
 * Test access to the node shards' write path: which shard holds a node, flushing it, and what
 * it holds. The flush RPC is the one the alarm runs; `all` also writes rows not yet due.
 */
import { env } from "cloudflare:test";
import { shardFor } from "../../src/domain/node-shard";
import { loadConfig } from "../../src/env";

/** The shard stub holding `nodeId` of `projectId`. */
export function shardStub(projectId: string, nodeId: string) {
  const count = loadConfig(env).NODE_SHARD_COUNT;
  return env.NODE_SHARDS.get(env.NODE_SHARDS.idFromName(shardFor(projectId, nodeId, count)));
}

/** Flushes the shard holding `nodeId` (every pending row unless `dueOnly`). */
export function flushNodeShard(
  projectId: string,
  nodeId: string,
  opts: { dueOnly?: boolean } = {},
) {
  return shardStub(projectId, nodeId).flushHot(opts.dueOnly !== true);
}

/** Flushes the shards holding any of `nodeIds` (each shard once). */
export async function flushNodeShards(projectId: string, nodeIds: readonly string[]) {
  const count = loadConfig(env).NODE_SHARD_COUNT;
  const names = new Set(nodeIds.map((id) => shardFor(projectId, id, count)));
  for (const name of names) {
    await env.NODE_SHARDS.get(env.NODE_SHARDS.idFromName(name)).flushHot(true);
  }
}
