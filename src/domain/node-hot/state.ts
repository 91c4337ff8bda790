/**
 * The hot per-node state a node shard holds between flushes to D1, and how heartbeats and
 * reports merge into it. Pure: time is a parameter, no I/O.
 *
 * Merge semantics are the heartbeat protocol's (docs/decisions.md "Node protocol"): top-level
 * merge-patch, omitted fields keep their value, `health` and `metrics` replace the previous
 * snapshot as a whole, `metadata: null` resets it to `{}`.
 */

/** A JSON object as stored in a node column. */
export type JsonRecord = Record<string, unknown>;

/** The node columns a heartbeat sets, by SQL column name: the shard's copy of them. */
export interface HotValues {
  last_seen_at: number | null;
  last_heartbeat_at: number | null;
  health: JsonRecord | null;
  metrics: JsonRecord | null;
  active_bundle_id: string | null;
  staged_bundle_id: string | null;
  version: string | null;
  hostname: string | null;
  metadata: JsonRecord;
}

/** One hot column. */
export type HotColumn = keyof HotValues;

/** Every hot column, in a fixed order (the flush SQL is generated from it). */
export const HOT_COLUMNS = [
  "last_seen_at",
  "last_heartbeat_at",
  "health",
  "metrics",
  "active_bundle_id",
  "staged_bundle_id",
  "version",
  "hostname",
  "metadata",
] as const satisfies readonly HotColumn[];

/**
 * Columns whose change reaches D1 at the shard's next flush (≤ one flush interval): what the
 * dashboard, drift detection and the poll route act on. The others (liveness timestamps,
 * metrics, health details beyond `status`) are refreshed lazily, at most every liveness
 * refresh interval (see `flush-plan.ts`).
 */
const MATERIAL_COLUMNS: ReadonlySet<HotColumn> = new Set([
  "active_bundle_id",
  "staged_bundle_id",
  "version",
  "hostname",
  "metadata",
]);

/** A heartbeat body after validation; an absent field keeps the stored value. */
export interface HeartbeatInput {
  health?: JsonRecord | null;
  metrics?: JsonRecord | null;
  active_bundle_id?: string | null;
  staged_bundle_id?: string | null;
  version?: string | null;
  hostname?: string | null;
  /** `null` resets the metadata to `{}`. */
  metadata?: JsonRecord | null;
}

/** D1's node status values. */
export type StoredNodeStatus = "online" | "offline" | "unknown";

/**
 * The D1 node row as the request's authentication read saw it. It seeds the shard's copy the
 * first time the shard hears of the node; afterwards only `status` is used (D1 owns it: the
 * staleness cron marks nodes offline there).
 */
export interface NodeBaseline {
  projectId: string;
  status: StoredNodeStatus;
  values: HotValues;
}

/** A node's latest heartbeat as the rollout gates read it (state after the merge). */
export interface HeartbeatSnapshot {
  at: number;
  activeBundleId: string | null;
  stagedBundleId: string | null;
  health: JsonRecord | null;
  metrics: JsonRecord | null;
}

/** The shard's record of one node. */
export interface HotNode {
  nodeId: string;
  projectId: string;
  /** Latest known value of every hot column (what D1 will hold after the next flush). */
  values: HotValues;
  /** Columns changed since the last flush, in {@link HOT_COLUMNS} order. */
  pending: HotColumn[];
  /** D1 said the node is not `online`: the next flush sets it online (and audits it). */
  statusPending: boolean;
  /** Time of the earliest unflushed material change (`null`: none). */
  materialAt: number | null;
  /** Heartbeat time at which `active_bundle_id` took its current value (drift starts there). */
  activeSince: number | null;
  /** When D1 last received this row's values (seeded from D1's `last_seen_at`). */
  flushedAt: number | null;
  /** The latest heartbeat (gate reads and the history sample). */
  lastHeartbeat: HeartbeatSnapshot | null;
  /** Time of the heartbeat the last history row recorded (`null`: none written by the shard). */
  sampledAt: number | null;
  /** Bumped by every merge; a flush clears `pending` only if nothing merged meanwhile. */
  revision: number;
}

/** What a heartbeat merge produced. */
export interface HeartbeatMerge {
  node: HotNode;
  /** Columns whose value changed with this heartbeat. */
  changed: HotColumn[];
  /** Whether the change must reach D1 at the next flush (not only at the liveness refresh). */
  material: boolean;
  /** Active and staged bundle before this heartbeat (the shard's copy, fresher than D1's). */
  previous: { activeBundleId: string | null; stagedBundleId: string | null };
}

/** A fresh record from D1's row: nothing pending, D1 holds these values since `last_seen_at`. */
export function seedHotNode(nodeId: string, baseline: NodeBaseline): HotNode {
  return {
    nodeId,
    projectId: baseline.projectId,
    values: { ...baseline.values },
    pending: [],
    statusPending: false,
    materialAt: null,
    activeSince: null,
    flushedAt: baseline.values.last_seen_at,
    lastHeartbeat: null,
    sampledAt: null,
    revision: 0,
  };
}

/**
 * Merges one heartbeat of `nodeId` received at `now` into its record (`prev`, or a record seeded
 * from `baseline` when the shard has none). Only values that actually change become pending.
 */
export function mergeHeartbeat(
  nodeId: string,
  prev: HotNode | null,
  baseline: NodeBaseline,
  input: HeartbeatInput,
  now: number,
): HeartbeatMerge {
  const start = prev ?? seedHotNode(nodeId, baseline);
  const before = start.values;
  const patch: Partial<HotValues> = { last_seen_at: now, last_heartbeat_at: now };
  if (input.health !== undefined) {
    patch.health = input.health;
  }
  if (input.metrics !== undefined) {
    patch.metrics = input.metrics;
  }
  if (input.active_bundle_id !== undefined) {
    patch.active_bundle_id = input.active_bundle_id;
  }
  if (input.staged_bundle_id !== undefined) {
    patch.staged_bundle_id = input.staged_bundle_id;
  }
  if (input.version !== undefined) {
    patch.version = input.version;
  }
  if (input.hostname !== undefined) {
    patch.hostname = input.hostname;
  }
  if (input.metadata !== undefined) {
    patch.metadata = input.metadata ?? {};
  }
  const values: HotValues = { ...before, ...patch };
  const changed = HOT_COLUMNS.filter((col) => !jsonEqual(before[col], values[col]));
  const statusPending = start.statusPending || baseline.status !== "online";
  const material =
    statusPending ||
    before.last_heartbeat_at === null ||
    changed.some((col) => MATERIAL_COLUMNS.has(col)) ||
    healthStatus(before.health) !== healthStatus(values.health);
  const pendingSet = new Set<HotColumn>([...start.pending, ...changed]);
  const node: HotNode = {
    ...start,
    values,
    pending: HOT_COLUMNS.filter((col) => pendingSet.has(col)),
    statusPending,
    materialAt: material ? (start.materialAt ?? now) : start.materialAt,
    activeSince: changed.includes("active_bundle_id") ? now : start.activeSince,
    lastHeartbeat: {
      at: now,
      activeBundleId: values.active_bundle_id,
      stagedBundleId: values.staged_bundle_id,
      health: values.health,
      metrics: values.metrics,
    },
    revision: start.revision + 1,
  };
  return {
    node,
    changed,
    material,
    previous: {
      activeBundleId: before.active_bundle_id,
      stagedBundleId: before.staged_bundle_id,
    },
  };
}

/** The node columns a bundle report wrote to D1 itself (in the report's own batch). */
export interface ReportWrite {
  last_seen_at: number;
  active_bundle_id?: string | null;
  staged_bundle_id?: string | null;
  /**
   * The bundle this report activated or failed: if the shard's copy has it staged (a heartbeat
   * D1 has not seen yet), the staging is consumed there too.
   */
  consumes?: string;
}

/**
 * A bundle report wrote these columns to D1 directly: the shard's copy takes the same values,
 * so a later flush of an older pending value cannot undo the report. Nothing new becomes
 * pending (D1 already has it); a pending column keeps being pending with the newer value.
 */
export function applyReportWrite(node: HotNode, write: ReportWrite): HotNode {
  const values: HotValues = { ...node.values, last_seen_at: write.last_seen_at };
  let activeSince = node.activeSince;
  if (write.active_bundle_id !== undefined) {
    if (write.active_bundle_id !== values.active_bundle_id) {
      activeSince = write.last_seen_at;
    }
    values.active_bundle_id = write.active_bundle_id;
  }
  if (write.staged_bundle_id !== undefined) {
    values.staged_bundle_id = write.staged_bundle_id;
  } else if (write.consumes !== undefined && values.staged_bundle_id === write.consumes) {
    values.staged_bundle_id = null;
  }
  return { ...node, values, activeSince, revision: node.revision + 1 };
}

/** `health.status` (the part of the health snapshot the gates and the dashboard act on). */
function healthStatus(health: JsonRecord | null): unknown {
  return health === null ? null : (health.status ?? undefined);
}

/** Structural equality of JSON values (key order of objects does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  const br = b as Record<string, unknown>;
  const ar = a as Record<string, unknown>;
  return ak.length === bk.length && ak.every((k) => k in br && jsonEqual(ar[k], br[k]));
}
