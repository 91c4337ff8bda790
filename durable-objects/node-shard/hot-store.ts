/**
 * A node shard's hot per-node state in its SQLite storage (`ctx.storage.sql`). One row per node:
 * the record as JSON and when it is next due for a flush (indexed, so the alarm finds due rows
 * without reading the others). Writes are synchronous; the platform's output gate holds the
 * RPC's reply until they are durable, so a heartbeat is acknowledged only once it is stored.
 */
import { dueAt, type FlushPolicy, type HotNode } from "../../src/domain/node-hot";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS hot_nodes (
     node_id TEXT PRIMARY KEY,
     due_at INTEGER,
     record TEXT NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS hot_nodes_due ON hot_nodes (due_at) WHERE due_at IS NOT NULL",
  "CREATE TABLE IF NOT EXISTS hot_meta (key TEXT PRIMARY KEY, value INTEGER)",
];

/** Keys of `hot_meta`. */
type MetaKey = "last_flush_at";

/** Node ids per `IN (…)` lookup (SQLite's bound-parameter limit is far above this). */
const IDS_PER_LOOKUP = 100;

/** Typed access to the hot state of one shard. */
export class HotStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly policy: FlushPolicy,
  ) {
    for (const statement of SCHEMA) {
      sql.exec(statement);
    }
  }

  /** The record of `nodeId`, or null when the shard has none. */
  get(nodeId: string): HotNode | null {
    const row = this.sql
      .exec<{ record: string }>("SELECT record FROM hot_nodes WHERE node_id = ?", nodeId)
      .toArray()[0];
    return row === undefined ? null : (JSON.parse(row.record) as HotNode);
  }

  /** The records of the given nodes that the shard has (others are left out). */
  getMany(nodeIds: readonly string[]): HotNode[] {
    const out: HotNode[] = [];
    for (let i = 0; i < nodeIds.length; i += IDS_PER_LOOKUP) {
      const ids = nodeIds.slice(i, i + IDS_PER_LOOKUP);
      const rows = this.sql
        .exec<{ record: string }>(
          `SELECT record FROM hot_nodes WHERE node_id IN (${ids.map(() => "?").join(", ")})`,
          ...ids,
        )
        .toArray();
      for (const row of rows) {
        out.push(JSON.parse(row.record) as HotNode);
      }
    }
    return out;
  }

  /** Stores a record and its due time. */
  put(node: HotNode): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO hot_nodes (node_id, due_at, record) VALUES (?, ?, ?)",
      node.nodeId,
      dueAt(node, this.policy),
      JSON.stringify(node),
    );
  }

  /** Forgets nodes (revoked or deleted: D1 no longer has a live row for them). */
  delete(nodeIds: readonly string[]): void {
    for (const id of nodeIds) {
      this.sql.exec("DELETE FROM hot_nodes WHERE node_id = ?", id);
    }
  }

  /** Rows due at `now`, most overdue first, at most `limit`. */
  due(now: number, limit: number): HotNode[] {
    return this.sql
      .exec<{ record: string }>(
        "SELECT record FROM hot_nodes WHERE due_at <= ? ORDER BY due_at LIMIT ?",
        now,
        limit,
      )
      .toArray()
      .map((row) => JSON.parse(row.record) as HotNode);
  }

  /** The earliest due time of any row, or null when nothing is pending. */
  earliestDue(): number | null {
    const row = this.sql
      .exec<{ at: number | null }>("SELECT MIN(due_at) AS at FROM hot_nodes")
      .toArray()[0];
    return row?.at ?? null;
  }

  /** Records the shard holds (tests and diagnostics). */
  count(): number {
    const row = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM hot_nodes").toArray()[0];
    return row?.n ?? 0;
  }

  /** A shell counter or timestamp (null when never set). */
  meta(key: MetaKey): number | null {
    const row = this.sql
      .exec<{ value: number | null }>("SELECT value FROM hot_meta WHERE key = ?", key)
      .toArray()[0];
    return row?.value ?? null;
  }

  /** Sets a shell counter or timestamp. */
  setMeta(key: MetaKey, value: number): void {
    this.sql.exec("INSERT OR REPLACE INTO hot_meta (key, value) VALUES (?, ?)", key, value);
  }
}
