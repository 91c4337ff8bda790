import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { countingD1 } from "./d1-counter";
import { createCompiledBundle, nodeKeyHeaders, registerNode } from "./fixtures";
import { call, createTenant } from "./harness";

/**
 * Requests through a fresh app whose D1 binding counts statements. Counts are taken when the
 * response is ready and again after deferred work (waitUntil) settled.
 */
async function measure(request: Request) {
  const db = countingD1(env.DB);
  const ctx = createExecutionContext();
  const res = await createApp().fetch(request, { ...env, DB: db }, ctx);
  const atResponse = { reads: db.reads(), writes: db.writes(), batches: db.batches() };
  await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return { res, atResponse, statements: [...db.statements], batches: db.batches() };
}

const url = (path: string) => `http://zcp.test${path}`;

/** A node's first heartbeat ever (written through to D1), so later ones show the steady cost. */
async function firstContact(node: { nodeId: string; nodeKey: string }) {
  const res = await call("POST", `/api/v1/nodes/${node.nodeId}/heartbeat`, {
    headers: nodeKeyHeaders(node.nodeKey),
    body: {},
  });
  expect(res.status).toBe(200);
}

describe("node protocol cost (D1 statements per request)", () => {
  it("a no-update poll is exactly one read and no write (static key)", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const m = await measure(
      new Request(url(`/api/v1/nodes/${node.nodeId}/bundles/latest`), {
        headers: nodeKeyHeaders(node.nodeKey),
      }),
    );
    expect(m.res.status).toBe(200);
    expect(m.statements.map((s) => s.kind)).toEqual(["read"]);
    expect(m.statements[0]?.sql).toMatch(/key_hash/);
  });

  it("a no-update poll with a JWT is also one read", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const issued = await call("POST", `/api/v1/nodes/${node.nodeId}/token`, {
      headers: nodeKeyHeaders(node.nodeKey),
    });
    const m = await measure(
      new Request(url(`/api/v1/nodes/${node.nodeId}/bundles/latest`), {
        headers: { authorization: `Bearer ${issued.body.token}` },
      }),
    );
    expect(m.res.status).toBe(200);
    expect(m.statements.map((s) => s.kind)).toEqual(["read"]);
  });

  it("a poll answered 304 (If-None-Match = desired bundle) is one read", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const bundle = await createCompiledBundle(t);
    await call("POST", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/assign`, {
      key: t.adminKey,
      body: { bundle_id: bundle.bundleId },
    });
    const m = await measure(
      new Request(url(`/api/v1/nodes/${node.nodeId}/bundles/latest`), {
        headers: { ...nodeKeyHeaders(node.nodeKey), "if-none-match": `"${bundle.bundleId}"` },
      }),
    );
    expect(m.res.status).toBe(304);
    expect(m.statements.map((s) => s.kind)).toEqual(["read"]);
  });

  it("a heartbeat is the auth read and no D1 write (the node's shard stores it)", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    await firstContact(node);
    const bundle = await createCompiledBundle(t);
    await call("POST", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/assign`, {
      key: t.adminKey,
      body: { bundle_id: bundle.bundleId },
    });
    const m = await measure(
      new Request(url(`/api/v1/nodes/${node.nodeId}/heartbeat`), {
        method: "POST",
        headers: { ...nodeKeyHeaders(node.nodeKey), "content-type": "application/json" },
        body: JSON.stringify({
          health: { status: "healthy" },
          metrics: { error_rate: 0, latency_p99_ms: 12 },
          active_bundle_id: bundle.bundleId,
          version: "1.2.3",
        }),
      }),
    );
    expect(m.res.status).toBe(200);
    expect(m.batches).toBe(0);
    expect(m.statements.map((s) => s.kind)).toEqual(["read"]);
  });

  it("the first heartbeat ever also writes the first contact through (once per node)", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const m = await measure(
      new Request(url(`/api/v1/nodes/${node.nodeId}/heartbeat`), {
        method: "POST",
        headers: { ...nodeKeyHeaders(node.nodeKey), "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(m.res.status).toBe(200);
    expect(m.statements.map((s) => s.kind)).toEqual(["read", "write"]);
    expect(m.statements[1]?.sql).toMatch(/last_heartbeat_at IS NULL/);
  });

  it("a heartbeat reporting an unfamiliar bundle adds one conditional insert (the check is inside it)", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    await firstContact(node);
    const m = await measure(
      new Request(url(`/api/v1/nodes/${node.nodeId}/heartbeat`), {
        method: "POST",
        headers: { ...nodeKeyHeaders(node.nodeKey), "content-type": "application/json" },
        body: JSON.stringify({ active_bundle_id: "cd".repeat(32) }),
      }),
    );
    expect(m.res.status).toBe(200);
    expect(m.atResponse).toEqual({ reads: 1, writes: 1, batches: 1 });
  });
});
