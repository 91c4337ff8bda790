/**
 * D1 writes per minute of the node write path: 1,000 nodes heartbeating every 30 s, through the
 * real heartbeat route, once with `HEARTBEAT_WRITE_PATH=direct` (the original path: one D1
 * batch per heartbeat) and once with the node shards (default), in the same run. Statements are
 * counted, not estimated: the Worker's D1 binding is wrapped by a counter, and the shards'
 * flushes report what they sent and what D1 answered (`FlushStats`). The shards are flushed on
 * their alarm's cadence (every 10 s, only what is due). Node rows are fixtures written straight
 * to D1 in a steady state: they hold what the nodes keep sending (bundle, version, host, health
 * status) and their last writes are spread over the last minute, like a fleet that has been
 * running for a while (no first-contact writes, no synchronised refresh). One measured minute;
 * the heartbeats of each 10 s window are sent concurrently and stamped with the window's start.
 * Prints one `WRITE_PATH_BENCH {json}` line for scripts/bench/write-path.ts and asserts the
 * issue's goal (≥ 10× fewer D1 write statements and batches).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { hashSecret, mintNodeKey } from "../../src/auth/tokens";
import type { FlushStats } from "../../src/domain/node-hot";
import { shardName } from "../../src/domain/node-shard";
import { loadConfig } from "../../src/env";
import { countingD1 } from "./d1-counter";
import { createCompiledBundle, nodeKeyHeaders } from "./fixtures";
import { createTenant, type Tenant } from "./harness";
import { startClock } from "./rollout-sim";

const NODES = 1_000;
const HEARTBEAT_INTERVAL_MS = 30_000;
/** The shards' alarm cadence (FLUSH_INTERVAL_MS). */
const TICK_MS = 10_000;
const MINUTE_MS = 60_000;
/** Heartbeats in flight at once within a window. */
const CONCURRENCY = 25;

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

interface BenchNode {
  id: string;
  key: string;
  /** Offset of its heartbeats within each 30 s cycle (spread evenly, like a jittered fleet). */
  offsetMs: number;
  seq: number;
  /** Its name, which is also the hostname it reports (unchanged, like a real agent's). */
  name: string;
}

async function insertFleet(tenant: Tenant, n: number, bundleId: string): Promise<BenchNode[]> {
  const now = Date.now();
  const nodes: BenchNode[] = [];
  const rows: Array<[string, string, string, number]> = [];
  for (let i = 0; i < n; i++) {
    const key = (await mintNodeKey()).value;
    const id = crypto.randomUUID();
    const name = `bench-${tenant.slug}-${i}`;
    nodes.push({ id, key, name, offsetMs: Math.floor((i * HEARTBEAT_INTERVAL_MS) / n), seq: 0 });
    // Last written somewhere in the last minute (a permutation, so not in heartbeat order).
    const lastWrite = now - ((i * 7919) % n) * (MINUTE_MS / n);
    rows.push([id, name, await hashSecret(key), Math.floor(lastWrite)]);
  }
  await env.DB.prepare(
    `INSERT INTO nodes (id, project_id, name, key_hash, status, registered_at, last_seen_at,
       last_heartbeat_at, active_bundle_id, desired_bundle_id, version, hostname, health, metrics)
     SELECT value ->> '$[0]', ?1, value ->> '$[1]', value ->> '$[2]', 'online', ?2,
       value ->> '$[3]', value ->> '$[3]', ?3, ?3, '1.4.2', value ->> '$[1]',
       '{"status":"healthy"}', '{"error_rate":0.1}'
     FROM json_each(?4)`,
  )
    .bind(tenant.projectId, now - MINUTE_MS, bundleId, JSON.stringify(rows))
    .run();
  return nodes;
}

/** What an agent sends: same bundle, version and host; metrics that move every time. */
function body(node: BenchNode, bundleId: string) {
  node.seq++;
  return JSON.stringify({
    health: { status: "healthy" },
    metrics: {
      error_rate: (node.seq % 7) / 10,
      latency_p99_ms: 30 + (node.seq % 11),
      cpu_percent: 10 + (node.seq % 5),
      memory_percent: 40,
      request_count: 1000 * node.seq,
      error_count: node.seq,
    },
    active_bundle_id: bundleId,
    version: "1.4.2",
    hostname: node.name,
  });
}

interface MinuteFigures {
  mode: "direct" | "shard";
  heartbeats: number;
  d1_write_statements: number;
  d1_read_statements: number;
  d1_batches: number;
  d1_rows_written: number;
  /** Of the totals above: the shards' flushes (zero for `direct`). */
  flush: { batches: number; write_statements: number; rows: number; history_rows: number };
}

async function measureMode(mode: "direct" | "shard"): Promise<MinuteFigures> {
  const tenant = await createTenant();
  const bundle = await createCompiledBundle(tenant, { version: "bench" });
  const nodes = await insertFleet(tenant, NODES, bundle.bundleId);
  const db = countingD1(env.DB);
  const app = createApp();
  const appEnv = { ...env, DB: db, HEARTBEAT_WRITE_PATH: mode };
  const shardCount = loadConfig(env).NODE_SHARD_COUNT;
  const shards = Array.from({ length: shardCount }, (_, i) =>
    env.NODE_SHARDS.get(env.NODE_SHARDS.idFromName(shardName(tenant.projectId, i))),
  );
  const start = Date.now();
  const flush = { batches: 0, write_statements: 0, rows: 0, history_rows: 0, reads: 0, d1_rows: 0 };
  let heartbeats = 0;
  const send = async (node: BenchNode) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request(`http://zcp.test/api/v1/nodes/${node.id}/heartbeat`, {
        method: "POST",
        headers: { ...nodeKeyHeaders(node.key), "content-type": "application/json" },
        body: body(node, bundle.bundleId),
      }),
      appEnv,
      ctx,
    );
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await waitOnExecutionContext(ctx);
    heartbeats++;
  };
  for (let windowStart = 0; windowStart < MINUTE_MS; windowStart += TICK_MS) {
    const inWindow = (n: BenchNode) =>
      (n.offsetMs - (windowStart % HEARTBEAT_INTERVAL_MS) + HEARTBEAT_INTERVAL_MS) %
        HEARTBEAT_INTERVAL_MS <
      TICK_MS;
    const due = nodes.filter(inWindow);
    vi.setSystemTime(start + windowStart);
    for (let i = 0; i < due.length; i += CONCURRENCY) {
      await Promise.all(due.slice(i, i + CONCURRENCY).map(send));
    }
    // The alarm of every shard: flushes what is due (the shards enforce the 10 s spacing).
    vi.setSystemTime(start + windowStart + TICK_MS);
    if (mode === "shard") {
      for (const shard of shards) {
        const stats: FlushStats = await shard.flushHot(false);
        flush.batches += stats.batches;
        flush.write_statements += stats.writeStatements;
        flush.reads += stats.readStatements;
        flush.rows += stats.rows;
        flush.history_rows += stats.historyRows;
        flush.d1_rows += stats.d1RowsWritten;
      }
    }
  }
  return {
    mode,
    heartbeats,
    d1_write_statements: db.writes() + flush.write_statements,
    d1_read_statements: db.reads() + flush.reads,
    d1_batches: db.batches() + flush.batches,
    d1_rows_written: db.rowsWritten() + flush.d1_rows,
    flush: {
      batches: flush.batches,
      write_statements: flush.write_statements,
      rows: flush.rows,
      history_rows: flush.history_rows,
    },
  };
}

describe("node write path: D1 writes per minute, 1,000 nodes every 30 s", () => {
  it("the shards need at least 10× fewer D1 write statements and batches than the direct path", async () => {
    const before = await measureMode("direct");
    const after = await measureMode("shard");
    expect(before.heartbeats).toBe((NODES * MINUTE_MS) / HEARTBEAT_INTERVAL_MS);
    expect(after.heartbeats).toBe(before.heartbeats);
    // Every node's row reached D1 in the measured minute (liveness refresh ≤ 60 s).
    expect(after.flush.rows).toBeGreaterThanOrEqual(NODES * 0.9);
    const ratio = {
      write_statements: before.d1_write_statements / Math.max(1, after.d1_write_statements),
      batches: before.d1_batches / Math.max(1, after.d1_batches),
      rows_written: before.d1_rows_written / Math.max(1, after.d1_rows_written),
    };
    console.log(
      `WRITE_PATH_BENCH ${JSON.stringify({ nodes: NODES, interval_s: 30, before, after, ratio })}`,
    );
    expect(ratio.write_statements).toBeGreaterThanOrEqual(10);
    expect(ratio.batches).toBeGreaterThanOrEqual(10);
  }, 300_000);
});
