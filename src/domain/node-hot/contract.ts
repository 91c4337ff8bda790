/**
 * The RPC contract of the node shards' write path, shared by the node API (caller), the rollout
 * engine (gate reads) and the shard (durable-objects/node-shard/hot-path.ts). Types only.
 */
import type { HeartbeatInput, HotColumn, NodeBaseline, ReportWrite } from "./state";

/** A heartbeat forwarded by the node API. */
export interface ShardHeartbeat {
  readonly nodeId: string;
  /** The node row as the request's authentication read saw it. */
  readonly baseline: NodeBaseline;
  readonly input: HeartbeatInput;
  /** When the control plane received it (ms since the epoch). */
  readonly at: number;
}

/** The shard's acknowledgement: the heartbeat is durably stored. */
export interface ShardHeartbeatAck {
  /** Active and staged bundle before this heartbeat, from the shard's (fresh) copy. */
  readonly previous: { activeBundleId: string | null; stagedBundleId: string | null };
  readonly changed: HotColumn[];
}

/** A bundle report that wrote node columns to D1 itself. */
export interface ShardReportWrite {
  readonly nodeId: string;
  readonly write: ReportWrite;
}

/**
 * A node's latest heartbeat, for the rollout gates. Health and metrics travel as JSON text, as
 * D1's history rows hold them (free-form objects have no precise RPC type).
 */
export interface HeartbeatObservation {
  readonly nodeId: string;
  readonly at: number;
  readonly activeBundleId: string | null;
  readonly stagedBundleId: string | null;
  readonly health: string | null;
  readonly metrics: string | null;
}

/** What one flush did, counted from what it sent and what D1 answered. */
export interface FlushStats {
  /** Node rows written. */
  readonly rows: number;
  /** History rows inserted. */
  readonly historyRows: number;
  /** `db.batch()` calls (0 or 1). */
  readonly batches: number;
  /** Writing statements in the batch (multi-row UPDATE and history INSERT). */
  readonly writeStatements: number;
  /** Reading statements in the batch (which nodes come back online). */
  readonly readStatements: number;
  /** D1's own `rows_written` over the batch (incl. index updates). */
  readonly d1RowsWritten: number;
  /** Nodes that came back online (`node.online` emitted). */
  readonly cameOnline: number;
  /** Records dropped because D1 no longer has a live row for the node. */
  readonly dropped: number;
  /** Due rows left for the next flush (the batch was full). */
  readonly more: boolean;
}
