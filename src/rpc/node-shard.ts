/**
 * The RPC contract of NodeShardDO (binding `NODE_SHARDS`, one object per project and shard:
 * name `shardFor(projectId, nodeId, count)` from src/domain/node-shard.ts). A shard holds the
 * push sockets of its nodes (WebSocket Hibernation API) and is told by the rollout engine which
 * of its nodes have a new desired bundle. Part of the binding types (src/bindings.ts).
 */

import type {
  FlushStats,
  HeartbeatObservation,
  ShardHeartbeat,
  ShardHeartbeatAck,
  ShardReportWrite,
} from "../domain/node-hot";

/** Internal header carrying the JSON {@link NodeSocketGrant} from the Worker to the shard. */
export const NODE_SOCKET_GRANT_HEADER = "x-zcp-node-socket";

/**
 * What the Worker's socket route established before handing the upgrade to the shard. Only the
 * Worker reaches a Durable Object, so the shard trusts it.
 */
export interface NodeSocketGrant {
  nodeId: string;
  projectId: string;
  /** Origin of the upgrade request: offers carry download URLs on it, like a poll's. */
  origin: string;
  /** When the credential used on the upgrade expires (JWT `exp`), or null for the node key. */
  credentialExpiresAt: number | null;
}

/** What one push did. */
export interface PushResult {
  /** Nodes asked about that have an open socket on this shard. */
  connected: number;
  /** Offer messages sent. */
  sent: number;
}

/** Diagnostics of a shard's node write path (tests, support). */
export interface HotPathState {
  /** Node records the shard holds. */
  records: number;
  /** When the earliest pending row is due for a flush (null: nothing pending). */
  earliestDue: number | null;
  /** The armed alarm (the next flush), or null. */
  alarm: number | null;
  lastFlushAt: number | null;
  /** What the last flush of this instance did (null: none since it started). */
  lastFlush: FlushStats | null;
}

/** The RPC surface of NodeShardDO; `fetch` accepts a node's WebSocket upgrade. */
export interface NodeShardRpc extends Rpc.DurableObjectBranded {
  /**
   * Re-reads the desired bundle of `nodeIds` (those with an open socket here) from D1 and pushes
   * each one that has something to offer the same body `GET …/bundles/latest` would answer.
   */
  pushOffers(nodeIds: readonly string[]): Promise<PushResult>;
  /** Closes every socket of `nodeId` (e.g. the node was revoked) with `code` and `reason`. */
  disconnect(nodeId: string, code: number, reason: string): Promise<number>;
  /** Ids of the nodes with an open socket here (tests, diagnostics). */
  connectedNodes(): Promise<string[]>;
  /**
   * Node write path (durable-objects/node-shard/hot-path.ts): merges and stores a heartbeat.
   * Resolves once the storage write is durable; only then may the node be acknowledged.
   */
  heartbeat(hb: ShardHeartbeat): Promise<ShardHeartbeatAck>;
  /** Takes over the node columns a bundle report wrote to D1 itself. */
  recordReportWrite(report: ShardReportWrite): Promise<void>;
  /** The latest heartbeat of each listed node the shard has heard from (rollout gates). */
  observeHeartbeats(nodeIds: readonly string[]): Promise<HeartbeatObservation[]>;
  /** Flushes to D1 now: the due rows, or with `all` every pending one (tests, benchmarks). */
  flushHot(all: boolean): Promise<FlushStats>;
  /** Diagnostics of the write path. */
  hotState(): Promise<HotPathState>;
}
