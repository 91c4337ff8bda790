/**
 * The two write paths of a heartbeat (`HEARTBEAT_WRITE_PATH`):
 *
 * - `shard` (default): the heartbeat is merged into the node's shard (SQLite storage of a
 *   NodeShardDO) and acknowledged once stored there; the shard flushes changed rows to D1 in
 *   coalesced batches (durable-objects/node-shard/). Cost per heartbeat: the authentication
 *   read and one shard RPC, no D1 write.
 * - `direct`: the original path, one D1 batch per heartbeat (node row + history row). Kept as
 *   the measured baseline of `npm run bench` and as a switch back should the shards misbehave;
 *   the rollout gates then read D1's history (they prefer the shards' fresher copy otherwise).
 *
 * Both merge at the top level (docs/decisions.md "Node protocol") and flag unknown bundles.
 */
import type { HeartbeatInput } from "../../domain/node-hot";
import type { NodeRow, Services } from "../../services";
import { storeHeartbeat } from "../../services/node-shards";
import { notifyNodeReport } from "../../services/rollout-notifier";
import {
  divergedSince,
  emitBackOnline,
  emitUnknownBundles,
  flagUnknownBundleStatement,
  type NodeFields,
  unfamiliarBundleIds,
  updateNodeStatement,
} from "./node-state";

interface Flag {
  bundleId: string;
  source: string;
}

/** Reported ids the node's known bundles do not mention (candidates for "unknown bundle"). */
function unfamiliarFlags(known: ReadonlyArray<string | null>, input: HeartbeatInput): Flag[] {
  return [
    ...unfamiliarBundleIds(known, [input.active_bundle_id]).map((id) => ({
      bundleId: id,
      source: "heartbeat active_bundle_id",
    })),
    ...unfamiliarBundleIds(known, [input.staged_bundle_id])
      .filter((id) => id !== input.active_bundle_id)
      .map((id) => ({ bundleId: id, source: "heartbeat staged_bundle_id" })),
  ];
}

/**
 * The rollout hears of a switch, and of every heartbeat of a node running the rollout's bundle:
 * the agent heartbeats right after activating, and that is the fresh gate data the current
 * batch waits for. The rollout DO brings its next tick forward only for nodes of the step it
 * observes (`reportWakesTick`), so earlier steps' heartbeats cost one cheap RPC each.
 */
function notifyRollout(
  services: Services,
  node: NodeRow,
  input: HeartbeatInput,
  previousActive: string | null,
  now: number,
): void {
  const active = input.active_bundle_id;
  if (
    active !== undefined &&
    (active !== previousActive || active === node.desiredBundleId) &&
    node.desiredRolloutId !== null
  ) {
    notifyNodeReport(services, node.desiredRolloutId, {
      nodeId: node.id,
      bundleId: active,
      kind: "heartbeat",
      at: now,
    });
  }
}

/** `shard`: stored in the node's shard; D1 only for a first contact or an unknown bundle. */
export async function recordHeartbeatInShard(
  services: Services,
  node: NodeRow,
  input: HeartbeatInput,
  now: number,
): Promise<void> {
  // Acknowledged only once the node's shard stored it; D1 gets it at the shard's next flush.
  const ack = await storeHeartbeat(services, node, input, now);
  if (node.lastHeartbeatAt === null) {
    // The first contact ever is written through: "has this node ever authenticated" guards the
    // registration retry (register-retry.ts) and must not wait for a flush. Once per node; the
    // status (and its node.online event) still comes with the flush.
    await services.d1
      .prepare(
        `UPDATE nodes SET last_heartbeat_at = ?, last_seen_at = ?
         WHERE id = ? AND last_heartbeat_at IS NULL AND revoked_at IS NULL`,
      )
      .bind(now, now, node.id)
      .run();
  }
  // The shard's copy is fresher than the row the auth read returned.
  const flags = unfamiliarFlags(
    [ack.previous.activeBundleId, ack.previous.stagedBundleId, node.desiredBundleId],
    input,
  );
  if (flags.length > 0) {
    const results = await services.d1.batch(
      flags.map((f) => flagUnknownBundleStatement(services, node, f.bundleId, f.source, now)),
    );
    emitUnknownBundles(
      services,
      node,
      flags.map((f, i) => ({ ...f, result: results[i] })),
    );
  }
  notifyRollout(services, node, input, ack.previous.activeBundleId, now);
}

/** `direct`: one D1 batch (node row, history row, unknown-bundle checks). */
export async function recordHeartbeatInD1(
  services: Services,
  node: NodeRow,
  input: HeartbeatInput,
  now: number,
): Promise<void> {
  const { d1 } = services;
  const active =
    input.active_bundle_id !== undefined ? input.active_bundle_id : node.activeBundleId;
  const fields: NodeFields = { status: "online", last_seen_at: now, last_heartbeat_at: now };
  if (input.health !== undefined) {
    fields.health = input.health;
  }
  if (input.metrics !== undefined) {
    fields.metrics = input.metrics;
  }
  if (input.active_bundle_id !== undefined) {
    fields.active_bundle_id = input.active_bundle_id;
    fields.diverged_since = divergedSince(node, active, now);
  }
  if (input.staged_bundle_id !== undefined) {
    fields.staged_bundle_id = input.staged_bundle_id;
  }
  if (input.version !== undefined) {
    fields.version = input.version;
  }
  if (input.hostname !== undefined) {
    fields.hostname = input.hostname;
  }
  if (input.metadata !== undefined) {
    fields.metadata = input.metadata ?? {};
  }
  // The history row records the node's state after this heartbeat (what charts plot).
  const health = input.health !== undefined ? input.health : node.health;
  const metrics = input.metrics !== undefined ? input.metrics : node.metrics;
  const staged =
    input.staged_bundle_id !== undefined ? input.staged_bundle_id : node.stagedBundleId;
  const statements = [
    updateNodeStatement(d1, node.id, fields),
    d1
      .prepare(
        `INSERT INTO node_heartbeats (node_id, project_id, health, metrics, active_bundle_id,
           staged_bundle_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        node.id,
        node.projectId,
        health === null ? null : JSON.stringify(health),
        metrics === null ? null : JSON.stringify(metrics),
        active,
        staged,
        now,
      ),
  ];
  const flags = unfamiliarFlags(
    [node.activeBundleId, node.stagedBundleId, node.desiredBundleId],
    input,
  );
  for (const flag of flags) {
    statements.push(flagUnknownBundleStatement(services, node, flag.bundleId, flag.source, now));
  }
  const results = await d1.batch(statements);
  emitUnknownBundles(
    services,
    node,
    flags.map((f, i) => ({ ...f, result: results[2 + i] })),
  );
  emitBackOnline(services, node, now);
  notifyRollout(services, node, input, node.activeBundleId, now);
}
