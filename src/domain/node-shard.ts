/**
 * Which NodeShardDO serves a node. Pure: the Worker (socket upgrade, heartbeats) and the rollout
 * Durable Object (push fan-out) must agree on the shard without asking anyone, so the mapping is
 * a function of the ids and the shard count alone.
 *
 * Invariants:
 * - Stable: the same (project, node, count) always maps to the same shard, on every isolate.
 * - Project-scoped: a shard only ever holds nodes of one project (its name starts with the
 *   project id), so a shard's sockets and state never mix tenants.
 * - Changing the count remaps about (1 - old/new) of the nodes; they reconnect to their new
 *   shard on the next socket open, and polling stays correct meanwhile (docs/scale.md).
 */

/**
 * Default shards per project. Sized so one shard stays far below a Durable Object's ~1,000
 * requests/s soft limit at 100,000 nodes heartbeating every 30 s (3,333/s ÷ 16 ≈ 210/s per shard),
 * while a 1,000-node project still fans a push out to only 16 objects (docs/scale.md).
 */
export const DEFAULT_NODE_SHARD_COUNT = 16;
/** Upper bound of the configurable count: a push fans out to every shard of the project. */
export const MAX_NODE_SHARD_COUNT = 1024;

/** FNV-1a (32 bit) of a string's UTF-16 code units: fast, well spread, identical everywhere. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The shard index in `[0, shardCount)` of `nodeId`. */
export function shardIndex(nodeId: string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > MAX_NODE_SHARD_COUNT) {
    throw new RangeError(`shard count must be an integer in 1..${MAX_NODE_SHARD_COUNT}`);
  }
  return fnv1a32(nodeId) % shardCount;
}

/** The Durable Object name (`idFromName`) of shard `index` of a project. */
export function shardName(projectId: string, index: number): string {
  return `${projectId}:${index}`;
}

/**
 * The NodeShardDO name serving `nodeId` of `projectId` when the project has `shardCount`
 * shards: `"<project id>:<index>"`, index = FNV-1a(node id) mod count.
 */
export function shardFor(projectId: string, nodeId: string, shardCount: number): string {
  return shardName(projectId, shardIndex(nodeId, shardCount));
}

/** Node ids grouped by the shard name serving them (for a push fan-out). */
export function groupByShard(
  projectId: string,
  nodeIds: readonly string[],
  shardCount: number,
): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const nodeId of nodeIds) {
    const name = shardFor(projectId, nodeId, shardCount);
    const group = groups.get(name);
    if (group) {
      group.push(nodeId);
    } else {
      groups.set(name, [nodeId]);
    }
  }
  return groups;
}
