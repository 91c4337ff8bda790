import {
  createExecutionContext,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { FLUSH_INTERVAL_MS } from "../../src/domain/node-hot";
import { countingD1 } from "./d1-counter";
import { createCompiledBundle, nodeKeyHeaders, nodeRow, registerNode } from "./fixtures";
import { call, createTenant } from "./harness";
import { flushNodeShard, shardStub } from "./shards";

/** Fake-clock start far ahead of the real clock: no shard alarm fires on its own. */
const CLOCK_AHEAD_MS = 30 * 24 * 3600 * 1000;
const LIVENESS_REFRESH_MS = 60_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + CLOCK_AHEAD_MS);
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

async function heartbeat(node: { nodeId: string; nodeKey: string }, body: object) {
  const res = await call("POST", `/api/v1/nodes/${node.nodeId}/heartbeat`, {
    headers: nodeKeyHeaders(node.nodeKey),
    body,
  });
  expect(res.status, res.text).toBe(200);
  return res;
}

async function historyCount(nodeId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM node_heartbeats WHERE node_id = ?")
    .bind(nodeId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function eventCount(projectId: string, type: string, nodeId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT COUNT(*) AS n FROM events WHERE project_id = ? AND type = ? AND resource_id = ?",
  )
    .bind(projectId, type, nodeId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("heartbeats into the node shard", () => {
  it("acknowledges after the shard stored it, with no D1 write; the alarm's flush writes it", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    await heartbeat(node, {});
    await flushNodeShard(t.projectId, node.nodeId);
    advance(1_000);
    const db = countingD1(env.DB);
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`http://zcp.test/api/v1/nodes/${node.nodeId}/heartbeat`, {
        method: "POST",
        headers: { ...nodeKeyHeaders(node.nodeKey), "content-type": "application/json" },
        body: JSON.stringify({ health: { status: "healthy" }, metrics: { error_rate: 0.5 } }),
      }),
      { ...env, DB: db },
      ctx,
    );
    expect(res.status).toBe(200);
    await waitOnExecutionContext(ctx);
    expect(db.statements.map((s) => s.kind)).toEqual(["read"]);
    const at = Date.now();

    // The shard has it (the gates read it from there) before D1 does.
    const seen = await shardStub(t.projectId, node.nodeId).observeHeartbeats([node.nodeId]);
    expect(seen).toEqual([
      {
        nodeId: node.nodeId,
        at,
        activeBundleId: null,
        stagedBundleId: null,
        health: JSON.stringify({ status: "healthy" }),
        metrics: JSON.stringify({ error_rate: 0.5 }),
      },
    ]);
    expect((await nodeRow(node.nodeId))?.metrics).toBeNull();
    expect(await historyCount(node.nodeId)).toBe(1);

    // A new health status is material: due at once, so the armed alarm flushes it.
    expect(await runDurableObjectAlarm(shardStub(t.projectId, node.nodeId))).toBe(true);
    const row = await nodeRow(node.nodeId);
    expect(row).toMatchObject({ status: "online", last_seen_at: at, last_heartbeat_at: at });
    expect(JSON.parse(String(row?.metrics))).toEqual({ error_rate: 0.5 });
    expect(JSON.parse(String(row?.health))).toEqual({ status: "healthy" });
    expect(await historyCount(node.nodeId)).toBe(2);
  });

  it("coalesces many nodes' heartbeats into one batch per shard of a few statements", async () => {
    const t = await createTenant();
    const nodes = [];
    for (let i = 0; i < 24; i++) {
      nodes.push(await registerNode(t));
    }
    for (const node of nodes) {
      await heartbeat(node, { version: "2.0.0", metrics: { cpu_percent: 3 } });
    }
    const byShard = new Map<string, string[]>();
    for (const node of nodes) {
      const key = shardStub(t.projectId, node.nodeId).id.toString();
      byShard.set(key, [...(byShard.get(key) ?? []), node.nodeId]);
    }
    let rows = 0;
    for (const ids of byShard.values()) {
      const [first] = ids;
      if (first === undefined) {
        continue;
      }
      const stats = await flushNodeShard(t.projectId, first, { dueOnly: true });
      expect(stats).toMatchObject({
        rows: ids.length,
        historyRows: ids.length,
        batches: 1,
        writeStatements: 2,
        readStatements: 1,
      });
      rows += stats.rows;
    }
    expect(rows).toBe(nodes.length);
    expect(byShard.size).toBeLessThan(nodes.length);
    for (const node of nodes) {
      expect((await nodeRow(node.nodeId))?.version).toBe("2.0.0");
    }
  });

  it("writes only changed rows: liveness and metrics wait for the refresh, a material change does not", async () => {
    const t = await createTenant();
    const node = await registerNode(t, { body: { version: "1.0.0" } });
    const shard = () => shardStub(t.projectId, node.nodeId);
    await heartbeat(node, { version: "1.0.1" });
    const first = Date.now();
    expect((await flushNodeShard(t.projectId, node.nodeId, { dueOnly: true })).rows).toBe(1);

    advance(30_000);
    await heartbeat(node, { version: "1.0.1", metrics: { cpu_percent: 9 } });
    const armed = await shard().hotState();
    expect(armed.alarm).toBe(first + LIVENESS_REFRESH_MS);
    expect((await flushNodeShard(t.projectId, node.nodeId, { dueOnly: true })).rows).toBe(0);
    expect((await nodeRow(node.nodeId))?.last_seen_at).toBe(first);

    advance(LIVENESS_REFRESH_MS - 30_000);
    expect(await runDurableObjectAlarm(shard())).toBe(true);
    const refreshed = await nodeRow(node.nodeId);
    expect(refreshed?.last_seen_at).toBe(first + 30_000);
    expect(JSON.parse(String(refreshed?.metrics))).toEqual({ cpu_percent: 9 });
    expect(await historyCount(node.nodeId)).toBe(2);

    advance(1_000);
    await heartbeat(node, { version: "1.0.2" });
    // Due at once, but one flush interval after the previous flush.
    expect((await shard().hotState()).alarm).toBe(first + LIVENESS_REFRESH_MS + FLUSH_INTERVAL_MS);
    advance(FLUSH_INTERVAL_MS);
    expect(await runDurableObjectAlarm(shard())).toBe(true);
    expect((await nodeRow(node.nodeId))?.version).toBe("1.0.2");
  });

  it("a shard restart loses no acknowledged heartbeat", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    await heartbeat(node, { version: "9.9.9", metrics: { latency_p99_ms: 12 } });
    const at = Date.now();

    // Abort the shard's instance: the next call gets a new one over the same storage.
    const instanceBefore = await runInDurableObject(shardStub(t.projectId, node.nodeId), (i) => i);
    await expect(
      runInDurableObject(shardStub(t.projectId, node.nodeId), (_instance, state) => {
        state.abort("simulated restart");
      }),
    ).rejects.toThrow();

    const fresh = shardStub(t.projectId, node.nodeId);
    expect(await runInDurableObject(fresh, (i) => i)).not.toBe(instanceBefore);
    expect(await fresh.observeHeartbeats([node.nodeId])).toMatchObject([
      { nodeId: node.nodeId, at, metrics: JSON.stringify({ latency_p99_ms: 12 }) },
    ]);
    expect(await runDurableObjectAlarm(fresh)).toBe(true);
    expect(await nodeRow(node.nodeId)).toMatchObject({ version: "9.9.9", last_heartbeat_at: at });
  });
});

describe("what D1 still guarantees", () => {
  it("a node the cron marked offline is online again after the flush, with one node.online", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    await env.DB.prepare("UPDATE nodes SET status = 'offline', last_seen_at = ? WHERE id = ?")
      .bind(Date.now() - 600_000, node.nodeId)
      .run();
    await heartbeat(node, {});
    advance(2_000);
    await heartbeat(node, {});
    expect((await nodeRow(node.nodeId))?.status).toBe("offline");
    expect(await runDurableObjectAlarm(shardStub(t.projectId, node.nodeId))).toBe(true);
    expect((await nodeRow(node.nodeId))?.status).toBe("online");
    await expect.poll(() => eventCount(t.projectId, "node.online", node.nodeId)).toBe(1);
    advance(FLUSH_INTERVAL_MS);
    await heartbeat(node, {});
    await flushNodeShard(t.projectId, node.nodeId);
    expect(await eventCount(t.projectId, "node.online", node.nodeId)).toBe(1);
  });

  it("drift bookkeeping follows the flushed active bundle against D1's desired bundle", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const wanted = await createCompiledBundle(t, { version: "wanted" });
    const other = await createCompiledBundle(t, { version: "other" });
    await call("POST", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/assign`, {
      key: t.adminKey,
      body: { bundle_id: wanted.bundleId },
    });
    await env.DB.prepare("UPDATE nodes SET diverged_since = NULL WHERE id = ?")
      .bind(node.nodeId)
      .run();
    await heartbeat(node, { active_bundle_id: other.bundleId });
    const divergedAt = Date.now();
    advance(5_000);
    await flushNodeShard(t.projectId, node.nodeId);
    expect(await nodeRow(node.nodeId)).toMatchObject({
      active_bundle_id: other.bundleId,
      diverged_since: divergedAt,
    });
    advance(FLUSH_INTERVAL_MS);
    await heartbeat(node, { active_bundle_id: wanted.bundleId });
    await flushNodeShard(t.projectId, node.nodeId);
    expect(await nodeRow(node.nodeId)).toMatchObject({
      active_bundle_id: wanted.bundleId,
      diverged_since: null,
    });
  });

  it("a bundle report is not undone by an older heartbeat value still pending in the shard", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const a = await createCompiledBundle(t, { version: "a" });
    const b = await createCompiledBundle(t, { version: "b" });
    await heartbeat(node, { active_bundle_id: a.bundleId, staged_bundle_id: b.bundleId });
    advance(1_000);
    const report = await call(
      "POST",
      `/api/v1/nodes/${node.nodeId}/bundles/${b.bundleId}/activated`,
      { headers: nodeKeyHeaders(node.nodeKey), body: {} },
    );
    expect(report.status, report.text).toBe(200);
    expect((await nodeRow(node.nodeId))?.active_bundle_id).toBe(b.bundleId);
    await flushNodeShard(t.projectId, node.nodeId);
    expect(await nodeRow(node.nodeId)).toMatchObject({
      active_bundle_id: b.bundleId,
      staged_bundle_id: null,
    });
  });

  it("a revoked node's pending state is dropped, never written back", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    await heartbeat(node, { version: "7.0.0" });
    const del = await call("DELETE", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}`, {
      key: t.adminKey,
    });
    expect(del.status, del.text).toBeLessThan(300);
    const before = await nodeRow(node.nodeId);
    const stats = await flushNodeShard(t.projectId, node.nodeId);
    expect(stats).toMatchObject({ rows: 0, dropped: 1 });
    expect(await nodeRow(node.nodeId)).toEqual(before);
    expect(await shardStub(t.projectId, node.nodeId).observeHeartbeats([node.nodeId])).toEqual([]);
  });

  it("old agents: an empty heartbeat is accepted with the same answer as before", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const res = await call("POST", `/api/v1/nodes/${node.nodeId}/heartbeat`, {
      headers: nodeKeyHeaders(node.nodeKey),
    });
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      "heartbeat_interval_s",
      "last_seen_at",
      "node_id",
      "status",
    ]);
    expect(res.body.last_seen_at).toBe(new Date(Date.now()).toISOString());
  });
});

describe("security of the write path", () => {
  it("a node cannot write another node's state; an unauthenticated one writes nothing", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const victim = await registerNode(t);
    const attacker = await registerNode(other);
    const forged = await call("POST", `/api/v1/nodes/${victim.nodeId}/heartbeat`, {
      headers: nodeKeyHeaders(attacker.nodeKey),
      body: { version: "evil" },
    });
    expect(forged.status).toBe(403);
    const anonymous = await call("POST", `/api/v1/nodes/${victim.nodeId}/heartbeat`, {
      body: { version: "evil" },
    });
    expect(anonymous.status).toBe(401);
    expect(await shardStub(t.projectId, victim.nodeId).observeHeartbeats([victim.nodeId])).toEqual(
      [],
    );
    // The attacker's own project's shard never holds the victim either.
    expect(
      await shardStub(other.projectId, victim.nodeId).observeHeartbeats([victim.nodeId]),
    ).toEqual([]);
  });
});
