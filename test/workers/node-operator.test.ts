import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCompiledBundle, nodeKeyHeaders, registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope, keyForRole } from "./harness";

const nodesPath = (slug: string) => `/api/v1/projects/${slug}/nodes`;

/** Inserts a rollout row in `state` that owns `nodeId` (fixture for the 409 on assign). */
async function rolloutOwning(projectId: string, nodeId: string, bundleId: string, state: string) {
  const id = crypto.randomUUID();
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO rollouts (id, project_id, bundle_id, state, strategy, spec, created_by, created_at, updated_at)
       VALUES (?,?,?,?,?,?,?,?,?)`,
    ).bind(id, projectId, bundleId, state, "rolling", "{}", "test", now, now),
    env.DB.prepare(
      "INSERT INTO rollout_nodes (rollout_id, node_id, step_index, state, updated_at) VALUES (?,?,?,?,?)",
    ).bind(id, nodeId, 0, "assigned", now),
  ]);
  return id;
}

describe("operator node routes: listing", () => {
  it("filters by status and by every label given, and paginates", async () => {
    const t = await createTenant();
    const eu1 = await registerNode(t, { body: { labels: { region: "eu", tier: "edge" } } });
    const eu2 = await registerNode(t, { body: { labels: { region: "eu", tier: "core" } } });
    const us = await registerNode(t, { body: { labels: { region: "us", tier: "edge" } } });
    await env.DB.prepare("UPDATE nodes SET status = 'offline' WHERE id = ?").bind(us.nodeId).run();

    const ids = async (qs: string) => {
      const res = await call("GET", `${nodesPath(t.slug)}${qs}`, { key: t.adminKey });
      expect(res.status, res.text).toBe(200);
      return res.body.items.map((n: { id: string }) => n.id).sort();
    };
    expect(await ids("")).toEqual([eu1.nodeId, eu2.nodeId, us.nodeId].sort());
    expect(await ids("?label=region:eu")).toEqual([eu1.nodeId, eu2.nodeId].sort());
    expect(await ids("?label=region:eu&label=tier:edge")).toEqual([eu1.nodeId]);
    expect(await ids("?label=tier:edge&status=offline")).toEqual([us.nodeId]);
    expect(await ids("?status=online")).toEqual([eu1.nodeId, eu2.nodeId].sort());
    expect(await ids("?label=region:mars")).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await call("GET", `${nodesPath(t.slug)}${qs}`, { key: t.adminKey });
      seen.push(...page.body.items.map((n: { id: string }) => n.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual([eu1.nodeId, eu2.nodeId, us.nodeId].sort());
  });

  it("lists revoked nodes only with status=revoked", async () => {
    const t = await createTenant();
    const a = await registerNode(t);
    const b = await registerNode(t);
    await call("DELETE", `${nodesPath(t.slug)}/${a.nodeId}`, { key: t.adminKey });
    const live = await call("GET", nodesPath(t.slug), { key: t.adminKey });
    expect(live.body.items.map((n: { id: string }) => n.id)).toEqual([b.nodeId]);
    const revoked = await call("GET", `${nodesPath(t.slug)}?status=revoked`, { key: t.adminKey });
    expect(revoked.body.items.map((n: { id: string }) => n.id)).toEqual([a.nodeId]);
  });

  it("400s malformed label filters and statuses, listing each", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await call("GET", `${nodesPath(t.slug)}?label=nocolon&label=ok:1&status=sleepy`, {
        key: t.adminKey,
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["label.0", "status"]);
  });

  it("shows a node with its bundles, health and registration time; never the key hash", async () => {
    const t = await createTenant();
    const node = await registerNode(t, { body: { hostname: "h", version: "2.0" } });
    const res = await call("GET", `${nodesPath(t.slug)}/${node.nodeId}`, { key: t.adminKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: node.nodeId,
      name: node.name,
      status: "online",
      hostname: "h",
      version: "2.0",
      active_bundle_id: null,
      desired_bundle_id: null,
      staged_bundle_id: null,
      health: null,
    });
    expect(Date.parse(res.body.registered_at)).not.toBeNaN();
    expect(res.text).not.toMatch(/key_hash|keyHash/);
  });
});

describe("operator node routes: changes", () => {
  it("replaces labels with PATCH and audits before/after", async () => {
    const t = await createTenant();
    const node = await registerNode(t, { body: { labels: { region: "eu" } } });
    const res = await call("PATCH", `${nodesPath(t.slug)}/${node.nodeId}`, {
      key: t.adminKey,
      body: { labels: { region: "us", tier: "edge" } },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.labels).toEqual({ region: "us", tier: "edge" });
    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=node.labels_updated`,
      { key: t.adminKey },
    );
    expect(audit.body.items[0].diff).toEqual({
      before: { labels: { region: "eu" } },
      after: { labels: { region: "us", tier: "edge" } },
    });
    const err = expectEnvelope(
      await call("PATCH", `${nodesPath(t.slug)}/${node.nodeId}`, {
        key: t.adminKey,
        body: { labels: { "bad key": "x", good: 1 } },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.length).toBe(2);
  });

  it("revokes with DELETE (audited, idempotent)", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const first = await call("DELETE", `${nodesPath(t.slug)}/${node.nodeId}`, { key: t.adminKey });
    expect(first.body.status).toBe("revoked");
    const second = await call("DELETE", `${nodesPath(t.slug)}/${node.nodeId}`, { key: t.adminKey });
    expect(second.body.revoked_at).toBe(first.body.revoked_at);
    const audit = await call("GET", `/api/v1/projects/${t.slug}/audit-logs?action=node.revoked`, {
      key: t.adminKey,
    });
    expect(audit.body.items).toHaveLength(1);
    expectEnvelope(
      await call("PATCH", `${nodesPath(t.slug)}/${node.nodeId}`, {
        key: t.adminKey,
        body: { labels: {} },
      }),
      409,
      "CONFLICT",
    );
  });

  it("assigns a compiled bundle (audited); an older bundle is offered as a rollback", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const older = await createCompiledBundle(t);
    const newer = await createCompiledBundle(t);
    const auth = { headers: nodeKeyHeaders(node.nodeKey) };
    await call("POST", `${nodesPath(t.slug)}/${node.nodeId}/assign`, {
      key: t.adminKey,
      body: { bundle_id: newer.bundleId },
    });
    await call("POST", `/api/v1/nodes/${node.nodeId}/bundles/${newer.bundleId}/activated`, auth);
    const back = await call("POST", `${nodesPath(t.slug)}/${node.nodeId}/assign`, {
      key: t.adminKey,
      body: { bundle_id: older.bundleId },
    });
    expect(back.status, back.text).toBe(200);
    expect(back.body.desired_is_rollback).toBe(true);
    const offer = await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, auth);
    expect(offer.body).toMatchObject({ bundle_id: older.bundleId, rollback: true });
    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=node.bundle_assigned`,
      { key: t.adminKey },
    );
    expect(audit.body.items[0].diff).toMatchObject({
      before: { desired_bundle_id: newer.bundleId },
      after: { desired_bundle_id: older.bundleId, rollback: true },
    });
  });

  it("refuses to assign (409) a bundle that is not compiled, to a revoked node, or to a node in an active rollout", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const pending = await createCompiledBundle(t, { status: "pending" });
    const good = await createCompiledBundle(t);
    const assign = (nodeId: string, bundleId: string) =>
      call("POST", `${nodesPath(t.slug)}/${nodeId}/assign`, {
        key: t.adminKey,
        body: { bundle_id: bundleId },
      });
    expectEnvelope(await assign(node.nodeId, pending.bundleId), 409, "CONFLICT");
    expectEnvelope(await assign(node.nodeId, "ef".repeat(32)), 404, "NOT_FOUND");

    const owned = await registerNode(t);
    await rolloutOwning(t.projectId, owned.nodeId, good.bundleId, "running");
    const err = expectEnvelope(await assign(owned.nodeId, good.bundleId), 409, "CONFLICT");
    expect(err.message).toMatch(/rollout/);
    const finished = await registerNode(t);
    await rolloutOwning(t.projectId, finished.nodeId, good.bundleId, "completed");
    expect((await assign(finished.nodeId, good.bundleId)).status).toBe(200);

    await call("DELETE", `${nodesPath(t.slug)}/${node.nodeId}`, { key: t.adminKey });
    expectEnvelope(await assign(node.nodeId, good.bundleId), 409, "CONFLICT");
    const row = await env.DB.prepare("SELECT desired_bundle_id FROM nodes WHERE id = ?")
      .bind(owned.nodeId)
      .first<{ desired_bundle_id: string | null }>();
    expect(row?.desired_bundle_id).toBeNull();
  });
});

describe("operator node routes: security", () => {
  it("needs nodes:read to read and nodes:write to change; other tenants get 404", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const node = await registerNode(t);
    const bundle = await createCompiledBundle(t);
    const otherBundle = await createCompiledBundle(other);
    const reader = await keyForRole(t.orgId, "reader");
    const path = `${nodesPath(t.slug)}/${node.nodeId}`;
    for (const p of [nodesPath(t.slug), path, `${path}/heartbeats`, `${path}/events`]) {
      expect((await call("GET", p, { key: reader })).status).toBe(200);
      expectEnvelope(await call("GET", p, { key: other.adminKey }), 404, "NOT_FOUND");
      expectEnvelope(await call("GET", p), 401, "UNAUTHORIZED");
    }
    expectEnvelope(
      await call("PATCH", path, { key: reader, body: { labels: {} } }),
      403,
      "FORBIDDEN",
    );
    expectEnvelope(await call("DELETE", path, { key: reader }), 403, "FORBIDDEN");
    expectEnvelope(
      await call("POST", `${path}/assign`, { key: reader, body: { bundle_id: bundle.bundleId } }),
      403,
      "FORBIDDEN",
    );
    // Another tenant's node id under one's own project, and another project's bundle: 404.
    expectEnvelope(
      await call("GET", `${nodesPath(other.slug)}/${node.nodeId}`, { key: other.adminKey }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(
      await call("POST", `${path}/assign`, {
        key: t.adminKey,
        body: { bundle_id: otherBundle.bundleId },
      }),
      404,
      "NOT_FOUND",
    );
  });
});
