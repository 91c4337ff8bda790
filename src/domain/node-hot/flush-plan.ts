/**
 * When a node shard writes its hot state to D1, and in which pieces. Pure: the shard shell
 * turns the plan into statements (durable-objects/node-shard/flush.ts).
 *
 * Rules:
 * - A shard flushes at most once per {@link FLUSH_INTERVAL_MS}; every flush is one `db.batch()`
 *   of a few multi-row statements, whatever the number of rows (coalescing).
 * - Only rows with pending changes are written. A material change (bundle, health status,
 *   version, hostname, metadata, the node coming back online) is due at once, so it reaches D1
 *   within one flush interval. Liveness and metrics alone are due once the row's last write is
 *   `livenessRefreshMs` old: a node heartbeating every 30 s costs D1 about one row write per
 *   minute instead of two per heartbeat.
 * - The liveness refresh is short enough that D1's `last_seen_at` is never older than the
 *   staleness threshold while the node is alive, and exact by then when it went silent, so the
 *   staleness cron keeps marking exactly the nodes silent for NODE_OFFLINE_AFTER_S offline.
 */
import type { HeartbeatSnapshot, HotNode, HotValues } from "./state";

/** Smallest spacing of two flushes of one shard. */
export const FLUSH_INTERVAL_MS = 10_000;
/** Longest interval between two liveness writes of one node. */
export const MAX_LIVENESS_REFRESH_MS = 60_000;
/** Extra margin kept below the staleness threshold (alarm delays, clock skew between isolates). */
export const STALENESS_MARGIN_MS = 10_000;
/** Rows per multi-row statement (one JSON parameter each). */
export const FLUSH_ROWS_PER_STATEMENT = 200;
/**
 * Bytes of one statement's JSON parameter. D1 caps a string value at 2 MB; a single larger row
 * (huge metadata) still goes alone in its own statement.
 */
export const FLUSH_BYTES_PER_STATEMENT = 1_000_000;
/**
 * Rows per flush (one batch): bounds the statements (3 per chunk of rows) and the batch's time.
 * A larger backlog drains over the next flushes, most overdue first.
 */
export const FLUSH_ROWS_PER_BATCH = 2_000;

/** The knobs of one shard's flushing. */
export interface FlushPolicy {
  readonly flushIntervalMs: number;
  readonly livenessRefreshMs: number;
  readonly rowsPerStatement: number;
  readonly bytesPerStatement: number;
  readonly rowsPerBatch: number;
}

/**
 * The policy for a deployment's timing: the liveness refresh is at most
 * {@link MAX_LIVENESS_REFRESH_MS} and leaves room below the offline threshold for one heartbeat
 * interval (+10 % jitter), one flush interval and {@link STALENESS_MARGIN_MS}.
 */
export function flushPolicy(timing: {
  offlineAfterMs: number;
  heartbeatIntervalMs: number;
}): FlushPolicy {
  const room =
    timing.offlineAfterMs -
    1.1 * timing.heartbeatIntervalMs -
    FLUSH_INTERVAL_MS -
    STALENESS_MARGIN_MS;
  return {
    flushIntervalMs: FLUSH_INTERVAL_MS,
    livenessRefreshMs: Math.max(FLUSH_INTERVAL_MS, Math.min(MAX_LIVENESS_REFRESH_MS, room)),
    rowsPerStatement: FLUSH_ROWS_PER_STATEMENT,
    bytesPerStatement: FLUSH_BYTES_PER_STATEMENT,
    rowsPerBatch: FLUSH_ROWS_PER_BATCH,
  };
}

/** When the row must be written to D1 (`null`: nothing to write). */
export function dueAt(node: HotNode, policy: FlushPolicy): number | null {
  if (node.pending.length === 0 && !node.statusPending) {
    return null;
  }
  if (node.materialAt !== null) {
    return node.materialAt;
  }
  if (node.statusPending || node.flushedAt === null) {
    return node.lastHeartbeat?.at ?? 0;
  }
  return node.flushedAt + policy.livenessRefreshMs;
}

/**
 * The shard's next flush: the earliest due row, but not before one flush interval after the
 * last flush, and never in the past. `null` when no row is due.
 */
export function nextFlushAt(input: {
  earliestDue: number | null;
  lastFlushAt: number | null;
  now: number;
  policy: FlushPolicy;
}): number | null {
  if (input.earliestDue === null) {
    return null;
  }
  const gap = input.lastFlushAt === null ? 0 : input.lastFlushAt + input.policy.flushIntervalMs;
  return Math.max(input.earliestDue, gap, input.now);
}

/** One node row of a flush: what the statements write for it. */
export interface FlushRow {
  readonly id: string;
  /** The record's revision the row was taken from. */
  readonly revision: number;
  /** The pending columns and their values. */
  readonly set: Partial<HotValues>;
  /** The node's latest contact; the flush sets `online` only if it is within the threshold. */
  readonly seen: number | null;
  /** Start of divergence when `active_bundle_id` is written (drift bookkeeping). */
  readonly activeSince: number | null;
  /** The history sample to insert with the row (the latest heartbeat, if not yet recorded). */
  readonly history: HeartbeatSnapshot | null;
}

/** The row a flush writes for `node` (its pending columns, and a history sample if due). */
export function flushRow(node: HotNode): FlushRow {
  const set: Partial<HotValues> = {};
  for (const col of node.pending) {
    Object.assign(set, { [col]: node.values[col] });
  }
  const hb = node.lastHeartbeat;
  return {
    id: node.nodeId,
    revision: node.revision,
    set,
    seen: node.values.last_seen_at,
    activeSince: node.pending.includes("active_bundle_id") ? node.activeSince : null,
    history: hb !== null && (node.sampledAt === null || hb.at > node.sampledAt) ? hb : null,
  };
}

const encoder = new TextEncoder();

/**
 * Splits the due rows (most overdue first) into statement-sized chunks: at most
 * `rowsPerStatement` rows and `bytesPerStatement` bytes of JSON each, `rowsPerBatch` rows in
 * all. Rows beyond that wait for the next flush.
 */
export function planFlush(due: readonly HotNode[], policy: FlushPolicy): FlushRow[][] {
  const chunks: FlushRow[][] = [];
  let chunk: FlushRow[] = [];
  let bytes = 0;
  for (const node of due.slice(0, policy.rowsPerBatch)) {
    const row = flushRow(node);
    const size = encoder.encode(JSON.stringify(row)).length;
    if (
      chunk.length > 0 &&
      (chunk.length >= policy.rowsPerStatement || bytes + size > policy.bytesPerStatement)
    ) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += size;
  }
  if (chunk.length > 0) {
    chunks.push(chunk);
  }
  return chunks;
}

/**
 * The record after its row reached D1 at `now`. If nothing merged since the row was taken,
 * nothing is pending any more; otherwise the newer values stay pending (written again at the
 * next flush, which is harmless) but the liveness clock restarts.
 */
export function completeFlush(node: HotNode, row: FlushRow, now: number): HotNode {
  const sampledAt = row.history === null ? node.sampledAt : row.history.at;
  if (node.revision !== row.revision) {
    return { ...node, flushedAt: now, sampledAt };
  }
  return {
    ...node,
    pending: [],
    statusPending: false,
    materialAt: null,
    flushedAt: now,
    sampledAt,
  };
}
