import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { setRow, setSettings } from "./cron-helpers";
import { createCompiledBundle, registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope, keyForRole, type Tenant } from "./harness";

async function environment(t: Tenant, body: Record<string, unknown>) {
  const res = await call("POST", `/api/v1/projects/${t.slug}/environments`, {
    key: t.adminKey,
    body,
  });
  expect(res.status, res.text).toBe(201);
}

const promote = (t: Tenant, bundleId: string, environmentName: string, key = t.adminKey) =>
  call("POST", `/api/v1/projects/${t.slug}/bundles/${bundleId}/promote`, {
    key,
    body: { environment: environmentName },
  });

async function rolloutTargets(rolloutId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT node_id FROM rollout_nodes WHERE rollout_id = ? ORDER BY node_id",
  )
    .bind(rolloutId)
    .all<{ node_id: string }>();
  return results.map((r) => r.node_id);
}

/** A project with staging and production nodes (by label) and both environments. */
async function promotionSetup() {
  const t = await createTenant();
  const staging = await registerNode(t, { body: { labels: { env: "staging" } } });
  const prod = [
    await registerNode(t, { body: { labels: { env: "prod" } } }),
    await registerNode(t, { body: { labels: { env: "prod" } } }),
  ];
  await environment(t, {
    name: "staging",
    ordinal: 1,
    selector: { type: "labels", labels: { env: "staging" } },
  });
  await environment(t, {
    name: "production",
    ordinal: 2,
    selector: { type: "labels", labels: { env: "prod" } },
    approvals_required: 2,
  });
  const bundle = await createCompiledBundle(t);
  return { t, staging, prod, bundle };
}

describe("bundle promotion: happy path", () => {
  it("creates a rollout over the environment's selector with the project's template", async () => {
    const { t, staging, bundle } = await promotionSetup();
    await setSettings(t.projectId, { rollout_template: { strategy: "all_at_once" } });
    const res = await promote(t, bundle.bundleId, "staging");
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ bundle_id: bundle.bundleId, strategy: "all_at_once" });
    expect(await rolloutTargets(res.body.id)).toEqual([staging.nodeId]);
    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=bundle.promoted`,
      { key: t.adminKey },
    );
    expect(audit.body.items[0].diff.after).toMatchObject({
      environment: "staging",
      rollout_id: res.body.id,
    });
  });

  it("applies the environment's approval requirement instead of the project's", async () => {
    const { t, prod, bundle } = await promotionSetup();
    const res = await promote(t, bundle.bundleId, "production");
    expect(res.status, res.text).toBe(201);
    expect(res.body.state).toBe("pending_approval");
    expect(await rolloutTargets(res.body.id)).toEqual(prod.map((n) => n.nodeId).sort());
  });
});

describe("bundle promotion: errors", () => {
  it("404s an unknown environment and 400s a bad body", async () => {
    const { t, bundle } = await promotionSetup();
    expectEnvelope(await promote(t, bundle.bundleId, "qa"), 404, "NOT_FOUND");
    expectEnvelope(await promote(t, bundle.bundleId, "Not A Name"), 400, "BAD_REQUEST");
  });

  it("reports an invalid template with the setting's path, and refuses uncompiled bundles", async () => {
    const { t, bundle } = await promotionSetup();
    await setSettings(t.projectId, { rollout_template: { strategy: "yolo" } });
    const err = expectEnvelope(await promote(t, bundle.bundleId, "staging"), 400, "BAD_REQUEST");
    expect(err.details?.[0]?.path).toBe("settings.rollout_template.strategy");
    await setSettings(t.projectId, {});
    const failed = await createCompiledBundle(t, { status: "failed" });
    expectEnvelope(await promote(t, failed.bundleId, "staging"), 409, "CONFLICT");
  });

  it("refuses an environment whose selector matches no node", async () => {
    const { t, bundle, staging } = await promotionSetup();
    await setRow("nodes", staging.nodeId, { labels: JSON.stringify({ env: "gone" }) });
    expectEnvelope(await promote(t, bundle.bundleId, "staging"), 400, "BAD_REQUEST");
  });
});

describe("bundle promotion: security", () => {
  it("needs rollouts:write and hides other tenants", async () => {
    const { t, bundle } = await promotionSetup();
    const reader = await keyForRole(t.orgId, "reader");
    expectEnvelope(await promote(t, bundle.bundleId, "staging", reader), 403, "FORBIDDEN");
    const other = await createTenant();
    expectEnvelope(await promote(t, bundle.bundleId, "staging", other.adminKey), 404, "NOT_FOUND");
    // Another project's bundle through this project's path: not found.
    const theirs = await createCompiledBundle(other);
    expectEnvelope(await promote(t, theirs.bundleId, "staging"), 404, "NOT_FOUND");
  });
});
