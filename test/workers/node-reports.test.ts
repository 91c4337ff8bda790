import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/crypto";
import {
  createCompiledBundle,
  nodeKeyHeaders,
  nodeRow,
  registerNode,
  type TestNode,
} from "./fixtures";
import { call, createTenant, expectEnvelope, type Tenant } from "./harness";

async function assign(t: Tenant, node: TestNode, bundleId: string) {
  const res = await call("POST", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/assign`, {
    key: t.adminKey,
    body: { bundle_id: bundleId },
  });
  expect(res.status, res.text).toBe(200);
}

const report = (node: TestNode, bundleId: string, kind: string, body?: unknown) =>
  call("POST", `/api/v1/nodes/${node.nodeId}/bundles/${bundleId}/${kind}`, {
    headers: nodeKeyHeaders(node.nodeKey),
    body,
  });

/** Puts the node into a running rollout of `bundleId` (rows the RolloutDO would write). */
async function enrollInRollout(t: Tenant, node: TestNode, bundleId: string) {
  const rolloutId = crypto.randomUUID();
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO rollouts (id, project_id, bundle_id, state, strategy, spec, created_by, created_at, updated_at)
       VALUES (?,?,?,?,?,?,?,?,?)`,
    ).bind(rolloutId, t.projectId, bundleId, "running", "rolling", "{}", "test", now, now),
    env.DB.prepare(
      "INSERT INTO rollout_nodes (rollout_id, node_id, step_index, state, assigned_at, updated_at) VALUES (?,?,?,?,?,?)",
    ).bind(rolloutId, node.nodeId, 0, "assigned", now, now),
    env.DB.prepare(
      "UPDATE nodes SET desired_bundle_id = ?, desired_rollout_id = ?, desired_set_at = ? WHERE id = ?",
    ).bind(bundleId, rolloutId, now, node.nodeId),
    env.DB.prepare(
      "INSERT INTO node_assignments (node_id, bundle_id, first_assigned_at) VALUES (?,?,?)",
    ).bind(node.nodeId, bundleId, now),
  ]);
  return rolloutId;
}

const rolloutNode = (rolloutId: string, nodeId: string) =>
  env.DB.prepare(
    "SELECT state, error, activated_at FROM rollout_nodes WHERE rollout_id = ? AND node_id = ?",
  )
    .bind(rolloutId, nodeId)
    .first<{ state: string; error: string | null; activated_at: number | null }>();

describe("bundle reports", () => {
  it("staged → activated → verified update the node; repeats change nothing; each is logged", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const bundle = await createCompiledBundle(t);
    await assign(t, node, bundle.bundleId);
    expect((await report(node, bundle.bundleId, "staged", { duration_ms: 5 })).status).toBe(200);
    expect(await nodeRow(node.nodeId)).toMatchObject({
      staged_bundle_id: bundle.bundleId,
      active_bundle_id: null,
    });
    for (let i = 0; i < 2; i++) {
      const res = await report(node, bundle.bundleId, "activated");
      expect(res.body).toEqual({ status: "ok" });
      expect(await nodeRow(node.nodeId)).toMatchObject({
        staged_bundle_id: null,
        active_bundle_id: bundle.bundleId,
      });
    }
    expect((await report(node, bundle.bundleId, "verified")).status).toBe(200);
    expect(await nodeRow(node.nodeId)).toMatchObject({ active_bundle_id: bundle.bundleId });
    const events = await call("GET", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/events`, {
      key: t.adminKey,
    });
    expect(
      events.body.items.map((e: { metadata: { report: string } }) => e.metadata.report),
    ).toEqual(["verified", "activated", "activated", "staged"]);
    expect(events.body.items[1].event_type).toBe("bundle_switch");
  });

  it("failed keeps the running bundle, drops the staging and records the error", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const current = await createCompiledBundle(t);
    const next = await createCompiledBundle(t);
    await assign(t, node, current.bundleId);
    await report(node, current.bundleId, "activated");
    await assign(t, node, next.bundleId);
    await report(node, next.bundleId, "staged");
    const res = await report(node, next.bundleId, "failed", {
      error: "manifest.sig does not verify",
      logs: "x".repeat(20_000),
    });
    expect(res.status).toBe(200);
    expect(await nodeRow(node.nodeId)).toMatchObject({
      active_bundle_id: current.bundleId,
      staged_bundle_id: null,
    });
    const events = await call(
      "GET",
      `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/events?limit=1`,
      {
        key: t.adminKey,
      },
    );
    expect(events.body.items[0]).toMatchObject({
      event_type: "error",
      severity: "error",
      message: expect.stringContaining("manifest.sig does not verify"),
    });
    expect(events.body.items[0].metadata.logs.length).toBeLessThan(20_000);
  });

  it("moves the node forward in its rollout, never backwards, and survives an unreachable rollout DO", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const bundle = await createCompiledBundle(t);
    const rolloutId = await enrollInRollout(t, node, bundle.bundleId);
    expect((await report(node, bundle.bundleId, "staged")).status).toBe(200);
    expect((await rolloutNode(rolloutId, node.nodeId))?.state).toBe("staged");
    expect((await report(node, bundle.bundleId, "activated")).status).toBe(200);
    const active = await rolloutNode(rolloutId, node.nodeId);
    expect(active?.state).toBe("active");
    expect(active?.activated_at).toEqual(expect.any(Number));
    // A late, duplicated "staged" does not undo the activation.
    await report(node, bundle.bundleId, "staged");
    expect((await rolloutNode(rolloutId, node.nodeId))?.state).toBe("active");
    await report(node, bundle.bundleId, "failed", { error: "health check failed" });
    expect(await rolloutNode(rolloutId, node.nodeId)).toMatchObject({
      state: "failed",
      error: "health check failed",
    });
    // A report about another bundle does not touch this rollout's row.
    const other = await createCompiledBundle(t);
    await report(node, other.bundleId, "verified");
    expect((await rolloutNode(rolloutId, node.nodeId))?.state).toBe("failed");
  });

  it("400s bad path ids and bad bodies, listing every problem", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    expectEnvelope(await report(node, "not-a-bundle", "activated"), 400, "BAD_REQUEST");
    const err = expectEnvelope(
      await report(node, "ab".repeat(32), "failed", { error: 5, duration_ms: -1 }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["duration_ms", "error"]);
    expectEnvelope(await report(node, "ab".repeat(32), "exploded"), 404, "NOT_FOUND");
  });
});

describe("bundle poll and download edge cases", () => {
  it("offers nothing for a revoked desired bundle, and the download answers 410", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const bundle = await createCompiledBundle(t);
    await assign(t, node, bundle.bundleId);
    await env.DB.prepare("UPDATE bundles SET status = 'revoked', revoked_at = ? WHERE id = ?")
      .bind(Date.now(), bundle.bundleId)
      .run();
    const poll = await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, {
      headers: nodeKeyHeaders(node.nodeKey),
    });
    expect(poll.body.no_update).toBe(true);
    expectEnvelope(
      await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/${bundle.bundleId}/download`, {
        headers: nodeKeyHeaders(node.nodeKey),
      }),
      410,
      "GONE",
    );
  });

  it("404s a download of a bundle never assigned to this node (even if assigned to another)", async () => {
    const t = await createTenant();
    const a = await registerNode(t);
    const b = await registerNode(t);
    const bundle = await createCompiledBundle(t);
    await assign(t, b, bundle.bundleId);
    expectEnvelope(
      await call("GET", `/api/v1/nodes/${a.nodeId}/bundles/${bundle.bundleId}/download`, {
        headers: nodeKeyHeaders(a.nodeKey),
      }),
      404,
      "NOT_FOUND",
    );
  });

  it("still serves a bundle the node was assigned before (rollback source), with 304 on its checksum", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const first = await createCompiledBundle(t);
    const second = await createCompiledBundle(t);
    await assign(t, node, first.bundleId);
    await assign(t, node, second.bundleId);
    const path = `/api/v1/nodes/${node.nodeId}/bundles/${first.bundleId}/download`;
    const res = await exports.default.fetch(
      new Request(`http://zcp.test${path}`, { headers: nodeKeyHeaders(node.nodeKey) }),
    );
    expect(res.status).toBe(200);
    expect(await sha256Hex(new Uint8Array(await res.arrayBuffer()))).toBe(first.checksum);
    const cached = await call("GET", path, {
      headers: { ...nodeKeyHeaders(node.nodeKey), "if-none-match": `"${first.checksum}"` },
    });
    expect(cached.status).toBe(304);
  });

  it("answers 500 (logged) when a compiled bundle's archive is missing from storage", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const bundle = await createCompiledBundle(t);
    await assign(t, node, bundle.bundleId);
    await env.BUNDLES.delete(bundle.storageKey);
    const err = expectEnvelope(
      await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/${bundle.bundleId}/download`, {
        headers: nodeKeyHeaders(node.nodeKey),
      }),
      500,
      "INTERNAL",
    );
    expect(err.message).toMatch(/missing from storage/);
  });
});

describe("node events and runtime config", () => {
  it("stores one event or a batch and answers 201 with the count", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const path = `/api/v1/nodes/${node.nodeId}/events`;
    const headers = nodeKeyHeaders(node.nodeKey);
    const single = await call("POST", path, {
      headers,
      body: { event_type: "startup", message: "agent started" },
    });
    expect(single.status, single.text).toBe(201);
    expect(single.body).toEqual({ status: "ok", count: 1 });
    const batch = await call("POST", path, {
      headers,
      body: {
        events: [
          {
            event_type: "config_reload",
            severity: "info",
            message: "reloaded",
            metadata: { ms: 12 },
          },
          { event_type: "warning", severity: "warn", message: "slow upstream" },
        ],
      },
    });
    expect(batch.body).toEqual({ status: "ok", count: 2 });
    const listed = await call("GET", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/events`, {
      key: t.adminKey,
    });
    expect(listed.body.items).toHaveLength(3);
    expect(
      listed.body.items.find((e: { event_type: string }) => e.event_type === "startup"),
    ).toMatchObject({
      severity: "info",
      message: "agent started",
    });
  });

  it("rejects a batch with one bad event as a whole, listing each problem by path", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const path = `/api/v1/nodes/${node.nodeId}/events`;
    const headers = nodeKeyHeaders(node.nodeKey);
    const err = expectEnvelope(
      await call("POST", path, {
        headers,
        body: {
          events: [
            { event_type: "info", message: "fine" },
            { event_type: "party", severity: "loud", message: "" },
          ],
        },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual([
      "events.1.event_type",
      "events.1.message",
      "events.1.severity",
    ]);
    const single = expectEnvelope(
      await call("POST", path, { headers, body: { event_type: "nope" } }),
      400,
      "BAD_REQUEST",
    );
    expect(single.details?.map((d) => d.path).sort()).toEqual(["event_type", "message"]);
    expectEnvelope(
      await call("POST", path, {
        headers,
        body: { events: Array.from({ length: 101 }, () => ({ event_type: "info", message: "m" })) },
      }),
      400,
      "BAD_REQUEST",
    );
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM node_events WHERE node_id = ?")
      .bind(node.nodeId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("stores the runtime config and answers its SHA-256; a second report replaces it", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const path = `/api/v1/nodes/${node.nodeId}/config`;
    const headers = nodeKeyHeaders(node.nodeKey);
    for (const kdl of ["server { }\n", "server { worker-threads 2 }\n"]) {
      const res = await call("POST", path, { headers, body: { config_kdl: kdl } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: "ok", config_hash: await sha256Hex(kdl) });
    }
    const rows = await env.DB.prepare(
      "SELECT config_kdl FROM node_runtime_configs WHERE node_id = ?",
    )
      .bind(node.nodeId)
      .all<{ config_kdl: string }>();
    expect(rows.results).toEqual([{ config_kdl: "server { worker-threads 2 }\n" }]);
    expectEnvelope(await call("POST", path, { headers, body: {} }), 400, "BAD_REQUEST");
  });
});
