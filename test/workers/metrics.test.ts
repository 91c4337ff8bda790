import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createServices } from "../../src/services";
import { insertRollout, setRow } from "./cron-helpers";
import { createCompiledBundle, registerNode } from "./fixtures";
import {
  call,
  createApiKey,
  createProject,
  createTenant,
  expectEnvelope,
  keyForRole,
} from "./harness";
import { parsePrometheusText } from "./prometheus-text";

describe("GET /metrics: happy path", () => {
  it("reports fleet gauges per project in the Prometheus text format", async () => {
    const t = await createTenant();
    const now = Date.now();
    const online = await registerNode(t);
    const offline = await registerNode(t);
    await setRow("nodes", online.nodeId, { status: "online" });
    await setRow("nodes", offline.nodeId, { status: "offline" });
    const compiled = await createCompiledBundle(t);
    await setRow("bundles", compiled.bundleId, { compile_duration_ms: 300, compiled_at: now });
    const slow = await createCompiledBundle(t);
    await setRow("bundles", slow.bundleId, { compile_duration_ms: 4_000, compiled_at: now });
    await createCompiledBundle(t, { status: "failed" });
    await insertRollout(t.projectId, compiled.bundleId, { state: "running" });
    await insertRollout(t.projectId, compiled.bundleId, { state: "completed" });
    await env.DB.prepare(
      "INSERT INTO drift_events (id, project_id, node_id, detected_at) VALUES (?, ?, ?, ?)",
    )
      .bind(crypto.randomUUID(), t.projectId, online.nodeId, now)
      .run();
    const { audit } = createServices(env, { waitUntil: () => undefined }, "test");
    for (const action of ["rollout.started", "rollout.started", "rollout.paused"]) {
      await audit.record({
        orgId: t.orgId,
        projectId: t.projectId,
        actor: { type: "system", id: "test" },
        action,
        resourceType: "rollout",
      });
    }
    expect((await call("GET", `/api/v1/projects/${t.slug}`, { key: t.adminKey })).status).toBe(200);

    const res = await call("GET", "/metrics", { key: await keyForRole(t.orgId, "reader") });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    for (const name of [
      "zcp_nodes",
      "zcp_bundles",
      "zcp_rollouts_active",
      "zcp_rollout_transitions_last_hour",
      "zcp_drift_events_open",
      "zcp_bundle_compile_duration_seconds",
      "zcp_http_requests_total",
    ]) {
      expect(res.text).toContain(`# HELP ${name} `);
      expect(res.text).toMatch(new RegExp(`# TYPE ${name} (gauge|counter|histogram)`));
    }
    const m = parsePrometheusText(res.text);
    const p = `project="${t.slug}"`;
    expect(m.get(`zcp_nodes{${p},status="online"}`)).toBe(1);
    expect(m.get(`zcp_nodes{${p},status="offline"}`)).toBe(1);
    expect(m.get(`zcp_nodes{${p},status="unknown"}`)).toBe(0);
    expect(m.get(`zcp_bundles{${p},status="compiled"}`)).toBe(2);
    expect(m.get(`zcp_bundles{${p},status="failed"}`)).toBe(1);
    expect(m.get(`zcp_rollouts_active{${p},state="running"}`)).toBe(1);
    expect(m.get(`zcp_rollout_transitions_last_hour{${p},action="rollout.started"}`)).toBe(2);
    expect(m.get(`zcp_rollout_transitions_last_hour{${p},action="rollout.paused"}`)).toBe(1);
    expect(m.get(`zcp_drift_events_open{${p}}`)).toBe(1);
    expect(m.get(`zcp_bundle_compile_duration_seconds_bucket{${p},le="0.25"}`)).toBe(0);
    expect(m.get(`zcp_bundle_compile_duration_seconds_bucket{${p},le="0.5"}`)).toBe(1);
    expect(m.get(`zcp_bundle_compile_duration_seconds_bucket{${p},le="5"}`)).toBe(2);
    expect(m.get(`zcp_bundle_compile_duration_seconds_bucket{${p},le="+Inf"}`)).toBe(2);
    expect(m.get(`zcp_bundle_compile_duration_seconds_sum{${p}}`)).toBeCloseTo(4.3);
    expect(m.get(`zcp_bundle_compile_duration_seconds_count{${p}}`)).toBe(2);
    const requestSeries = [...m.keys()].find(
      (k) =>
        k.startsWith("zcp_http_requests_total{") &&
        k.includes(p) &&
        k.includes('route="/api/v1/projects/:project"') &&
        k.includes('status="200"'),
    );
    expect(requestSeries).toMatch(/isolate="[0-9a-f]{8}"/);
    expect(m.get(requestSeries ?? "")).toBeGreaterThanOrEqual(1);
  });
});

describe("GET /metrics: errors and security", () => {
  it("needs credentials with projects:read (401 / 403)", async () => {
    const t = await createTenant();
    expectEnvelope(await call("GET", "/metrics"), 401, "UNAUTHORIZED");
    expectEnvelope(await call("GET", "/metrics", { key: "zcp_nope" }), 401, "UNAUTHORIZED");
    const noRead = await createApiKey({ orgId: t.orgId, scopes: ["nodes:read"] });
    expectEnvelope(await call("GET", "/metrics", { key: noRead }), 403, "FORBIDDEN");
  });

  it("shows only the projects the caller may see", async () => {
    const t = await createTenant();
    const sibling = await createProject(t.orgId);
    const other = await createTenant();
    const orgWide = await call("GET", "/metrics", { key: t.adminKey });
    expect(orgWide.text).toContain(`project="${t.slug}"`);
    expect(orgWide.text).toContain(`project="${sibling.slug}"`);
    expect(orgWide.text).not.toContain(`project="${other.slug}"`);
    const limited = await createApiKey({
      orgId: t.orgId,
      scopes: ["projects:read"],
      projectId: t.projectId,
    });
    const one = await call("GET", "/metrics", { key: limited });
    expect(one.text).toContain(`project="${t.slug}"`);
    expect(one.text).not.toContain(`project="${sibling.slug}"`);
  });

  it("is described in the OpenAPI document with its security", async () => {
    const doc = await call("GET", "/api/v1/openapi.json");
    expect(doc.body.paths["/metrics"].get.security).toEqual(
      expect.arrayContaining([{ bearerAuth: ["projects:read"] }]),
    );
  });
});
