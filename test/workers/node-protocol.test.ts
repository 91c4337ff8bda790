import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/crypto";
import { createCompiledBundle, nodeKeyHeaders, nodeRow, registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope } from "./harness";
import { flushNodeShard } from "./shards";

describe("node protocol: the core loop", () => {
  it("register → heartbeat → poll → assign → offer → download → activated → poll", async () => {
    const t = await createTenant();
    const node = await registerNode(t, {
      body: { labels: { region: "eu" }, capabilities: ["zstd"], version: "0.9.0" },
    });
    expect(node.register.body).toMatchObject({ poll_interval_s: 30, heartbeat_interval_s: 30 });
    expect(node.nodeKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(node.register.body.signing_keys).toEqual([
      { kid: expect.stringMatching(/^zk_/), alg: "Ed25519", public_key: expect.any(String) },
    ]);
    const auth = { headers: nodeKeyHeaders(node.nodeKey) };
    const base = `/api/v1/nodes/${node.nodeId}`;

    const hb = await call("POST", `${base}/heartbeat`, {
      ...auth,
      body: { health: { status: "healthy" }, metrics: { error_rate: 0.1 } },
    });
    expect(hb.status, hb.text).toBe(200);
    expect(hb.body).toMatchObject({ status: "ok", node_id: node.nodeId });
    expect(hb.body.heartbeat_interval_s).toBeGreaterThanOrEqual(27);
    expect(hb.body.heartbeat_interval_s).toBeLessThanOrEqual(33);

    const idle = await call("GET", `${base}/bundles/latest`, auth);
    expect(idle.status).toBe(200);
    expect(idle.body.no_update).toBe(true);
    expect(idle.body.poll_after_s).toBeGreaterThanOrEqual(27);
    expect(idle.body.poll_after_s).toBeLessThanOrEqual(33);

    const bundle = await createCompiledBundle(t);
    const assigned = await call("POST", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/assign`, {
      key: t.adminKey,
      body: { bundle_id: bundle.bundleId },
    });
    expect(assigned.status, assigned.text).toBe(200);
    expect(assigned.body).toMatchObject({
      desired_bundle_id: bundle.bundleId,
      desired_rollout_id: null,
    });

    const offer = await call("GET", `${base}/bundles/latest`, auth);
    expect(offer.status).toBe(200);
    expect(offer.body).toMatchObject({
      bundle_id: bundle.bundleId,
      sequence: bundle.sequence,
      checksum: bundle.checksum,
      size_bytes: bundle.bytes.byteLength,
      signature: expect.any(String),
      signing_key_id: expect.any(String),
      rollout_id: null,
      rollback: false,
    });
    expect(offer.headers.get("etag")).toBe(`"${bundle.bundleId}"`);
    expect(offer.body.download_url).toBe(
      `http://zcp.test/api/v1/nodes/${node.nodeId}/bundles/${bundle.bundleId}/download`,
    );

    const notModified = await call("GET", `${base}/bundles/latest`, {
      headers: { ...auth.headers, "if-none-match": `"${bundle.bundleId}"` },
    });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("etag")).toBe(`"${bundle.bundleId}"`);

    const download = await fetchRaw(offer.body.download_url, node.nodeKey);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/zstd");
    expect(download.headers.get("etag")).toBe(`"${bundle.checksum}"`);
    expect(download.headers.get("cache-control")).toContain("immutable");
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(bytes).toEqual(bundle.bytes);
    expect(await sha256Hex(bytes)).toBe(offer.body.checksum);

    const staged = await call("POST", `${base}/bundles/${bundle.bundleId}/staged`, {
      ...auth,
      body: { duration_ms: 120 },
    });
    expect(staged.status).toBe(200);
    expect((await nodeRow(node.nodeId))?.staged_bundle_id).toBe(bundle.bundleId);

    const activated = await call("POST", `${base}/bundles/${bundle.bundleId}/activated`, {
      ...auth,
      body: {},
    });
    expect(activated.body).toEqual({ status: "ok" });
    const row = await nodeRow(node.nodeId);
    expect(row).toMatchObject({
      active_bundle_id: bundle.bundleId,
      staged_bundle_id: null,
      diverged_since: null,
    });

    const done = await call("GET", `${base}/bundles/latest`, auth);
    expect(done.body.no_update).toBe(true);

    // The operator API reads D1: the heartbeat's health and metrics are there once the node's
    // shard flushed them (its alarm, within seconds; here at once).
    await flushNodeShard(t.projectId, node.nodeId);
    const shown = await call("GET", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}`, {
      key: t.adminKey,
    });
    expect(shown.body).toMatchObject({
      status: "online",
      labels: { region: "eu" },
      capabilities: ["zstd"],
      version: "0.9.0",
      active_bundle_id: bundle.bundleId,
      desired_bundle_id: bundle.bundleId,
      health: { status: "healthy" },
      metrics: { error_rate: 0.1 },
    });
  });
});

/** The raw response (binary bodies must not go through `call`, which reads text). */
function fetchRaw(url: string, nodeKey: string): Promise<Response> {
  return exports.default.fetch(new Request(url, { headers: nodeKeyHeaders(nodeKey) }));
}

describe("heartbeat", () => {
  it("merges: omitted fields stay, null clears, each flushed state is a history row", async () => {
    const t = await createTenant();
    const node = await registerNode(t, {
      body: { version: "1.0.0", hostname: "h1", metadata: { a: 1 } },
    });
    const base = `/api/v1/nodes/${node.nodeId}`;
    const auth = { headers: nodeKeyHeaders(node.nodeKey) };
    await call("POST", `${base}/heartbeat`, { ...auth, body: { metrics: { cpu_percent: 5 } } });
    await flushNodeShard(t.projectId, node.nodeId);
    let row = await nodeRow(node.nodeId);
    expect(row).toMatchObject({ version: "1.0.0", hostname: "h1", metadata: '{"a":1}' });
    expect(JSON.parse(String(row?.metrics))).toEqual({ cpu_percent: 5 });

    await call("POST", `${base}/heartbeat`, {
      ...auth,
      body: { version: "1.1.0", hostname: null, metadata: null, unknown_field: 42 },
    });
    await flushNodeShard(t.projectId, node.nodeId);
    row = await nodeRow(node.nodeId);
    expect(row).toMatchObject({ version: "1.1.0", hostname: null, metadata: "{}" });
    expect(JSON.parse(String(row?.metrics))).toEqual({ cpu_percent: 5 });

    const history = await call(
      "GET",
      `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/heartbeats`,
      {
        key: t.adminKey,
      },
    );
    expect(history.status).toBe(200);
    expect(history.body.items).toHaveLength(2);
    expect(history.body.items[0].metrics).toEqual({ cpu_percent: 5 });
  });

  it("applies active_bundle_id from the heartbeat (the node's truth)", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const bundle = await createCompiledBundle(t);
    await call("POST", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/assign`, {
      key: t.adminKey,
      body: { bundle_id: bundle.bundleId },
    });
    const res = await call("POST", `/api/v1/nodes/${node.nodeId}/heartbeat`, {
      headers: nodeKeyHeaders(node.nodeKey),
      body: { active_bundle_id: bundle.bundleId },
    });
    expect(res.status).toBe(200);
    await flushNodeShard(t.projectId, node.nodeId);
    expect(await nodeRow(node.nodeId)).toMatchObject({ active_bundle_id: bundle.bundleId });
    const poll = await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, {
      headers: nodeKeyHeaders(node.nodeKey),
    });
    expect(poll.body.no_update).toBe(true);
  });

  it("accepts an unknown bundle id but flags it with a node event and a project event", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const ghost = "ab".repeat(32);
    const res = await call("POST", `/api/v1/nodes/${node.nodeId}/heartbeat`, {
      headers: nodeKeyHeaders(node.nodeKey),
      body: { active_bundle_id: ghost },
    });
    expect(res.status).toBe(200);
    await flushNodeShard(t.projectId, node.nodeId);
    expect(await nodeRow(node.nodeId)).toMatchObject({ active_bundle_id: ghost });
    const events = await call("GET", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}/events`, {
      key: t.adminKey,
    });
    expect(events.body.items[0]).toMatchObject({
      event_type: "warning",
      metadata: { bundle_id: ghost },
    });
    await expect
      .poll(async () =>
        env.DB.prepare(
          "SELECT COUNT(*) AS n FROM events WHERE project_id = ? AND type = 'node.unknown_bundle'",
        )
          .bind(t.projectId)
          .first<{ n: number }>(),
      )
      .toEqual({ n: 1 });
  });

  it("lists every problem of a malformed heartbeat in one 400 and changes nothing", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const err = expectEnvelope(
      await call("POST", `/api/v1/nodes/${node.nodeId}/heartbeat`, {
        headers: nodeKeyHeaders(node.nodeKey),
        body: {
          health: { status: "fine" },
          metrics: { cpu_percent: "high" },
          active_bundle_id: "not-a-digest",
          version: 7,
        },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual([
      "active_bundle_id",
      "health.status",
      "metrics.cpu_percent",
      "version",
    ]);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM node_heartbeats WHERE node_id = ?")
      .bind(node.nodeId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("answers malformed JSON with 400", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const err = expectEnvelope(
      await call("POST", `/api/v1/nodes/${node.nodeId}/heartbeat`, {
        headers: nodeKeyHeaders(node.nodeKey),
        rawBody: "{nope",
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.message).toMatch(/Malformed JSON/);
  });
});

describe("OpenAPI", () => {
  it("documents every node and node-operator route with its security and errors", async () => {
    const res = await call("GET", "/api/v1/openapi.json");
    expect(res.status, res.text).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, any>>;
    const expected: Array<[string, string, string[]]> = [
      ["/api/v1/projects/{project}/nodes/register", "post", ["enrollmentToken"]],
      ["/api/v1/nodes/{node_id}/heartbeat", "post", ["nodeKey", "nodeJwt"]],
      ["/api/v1/nodes/{node_id}/bundles/latest", "get", ["nodeKey", "nodeJwt"]],
      ["/api/v1/nodes/{node_id}/bundles/{bundle_id}/download", "get", ["nodeKey", "nodeJwt"]],
      ["/api/v1/nodes/{node_id}/bundles/{bundle_id}/staged", "post", ["nodeKey", "nodeJwt"]],
      ["/api/v1/nodes/{node_id}/bundles/{bundle_id}/activated", "post", ["nodeKey", "nodeJwt"]],
      ["/api/v1/nodes/{node_id}/bundles/{bundle_id}/verified", "post", ["nodeKey", "nodeJwt"]],
      ["/api/v1/nodes/{node_id}/bundles/{bundle_id}/failed", "post", ["nodeKey", "nodeJwt"]],
      ["/api/v1/nodes/{node_id}/token", "post", ["nodeKey"]],
      ["/api/v1/nodes/{node_id}/rotate-key", "post", ["nodeKey"]],
      ["/api/v1/nodes/{node_id}/events", "post", ["nodeKey", "nodeJwt"]],
      ["/api/v1/nodes/{node_id}/config", "post", ["nodeKey", "nodeJwt"]],
      ["/api/v1/nodes/{node_id}/signing-keys", "get", ["nodeKey", "nodeJwt"]],
      ["/api/v1/projects/{project}/enrollment-tokens", "post", ["bearerAuth", "sessionCookie"]],
      ["/api/v1/projects/{project}/enrollment-tokens", "get", ["bearerAuth", "sessionCookie"]],
      [
        "/api/v1/projects/{project}/enrollment-tokens/{id}",
        "delete",
        ["bearerAuth", "sessionCookie"],
      ],
      ["/api/v1/projects/{project}/nodes", "get", ["bearerAuth", "sessionCookie"]],
      ["/api/v1/projects/{project}/nodes/{node_id}", "get", ["bearerAuth", "sessionCookie"]],
      ["/api/v1/projects/{project}/nodes/{node_id}", "patch", ["bearerAuth", "sessionCookie"]],
      ["/api/v1/projects/{project}/nodes/{node_id}", "delete", ["bearerAuth", "sessionCookie"]],
      [
        "/api/v1/projects/{project}/nodes/{node_id}/heartbeats",
        "get",
        ["bearerAuth", "sessionCookie"],
      ],
      ["/api/v1/projects/{project}/nodes/{node_id}/events", "get", ["bearerAuth", "sessionCookie"]],
      [
        "/api/v1/projects/{project}/nodes/{node_id}/assign",
        "post",
        ["bearerAuth", "sessionCookie"],
      ],
    ];
    for (const [path, method, schemes] of expected) {
      const op = paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      const declared = (op.security as Array<Record<string, unknown>>).flatMap(Object.keys);
      expect(declared, `${method} ${path}`).toEqual(schemes);
      expect(op.responses, `${method} ${path}`).toHaveProperty("401");
    }
    const schemas = res.body.components.schemas;
    expect(schemas.RegisterNode.properties.name.example).toBe("edge-eu-1");
    expect(schemas.BundleOffer.properties.checksum.example).toMatch(/^[0-9a-f]{64}$/);
    expect(paths["/api/v1/projects/{project}/nodes"]?.get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "label", in: "query" })]),
    );
  });
});
