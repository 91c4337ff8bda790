/**
 * The RPC contract of NodeShardDO (binding `NODE_SHARDS`, one object per project and shard:
 * name `shardFor(projectId, nodeId, count)` from src/domain/node-shard.ts). A shard holds the
 * push sockets of its nodes (WebSocket Hibernation API) and is told by the rollout engine which
 * of its nodes have a new desired bundle. Part of the binding types (src/bindings.ts).
 */

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
}
