import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AUTO_ROLLOUT_WINDOW_MS } from "../../src/jobs/tasks/gitops-rollouts";
import { eventTypes, runCron, setRow, setSettings } from "./cron-helpers";
import { createCompiledBundle, registerNode } from "./fixtures";
import { call, createTenant, type Tenant } from "./harness";

/** A compiled bundle as the GitHub webhook leaves it once the compile finished. */
async function webhookBundle(t: Tenant, compiledAt: number, createdBy = "system:github") {
  const bundle = await createCompiledBundle(t);
  await setRow("bundles", bundle.bundleId, {
    source_type: "git",
    source_ref: "4f2a9c1e0b7d3a5c8e6f1a2b3c4d5e6f7a8b9c0d",
    created_by: createdBy,
    compiled_at: compiledAt,
  });
  return bundle.bundleId;
}

const rolloutsOf = async (bundleId: string) =>
  (
    await env.DB.prepare("SELECT strategy FROM rollouts WHERE bundle_id = ?")
      .bind(bundleId)
      .all<{ strategy: string }>()
  ).results;

async function gitopsProject(settings: Record<string, unknown>) {
  const t = await createTenant();
  await registerNode(t);
  await setSettings(t.projectId, {
    github: { repo: "acme/edge", auto_rollout: true },
    rollout_template: { strategy: "all_at_once" },
    ...settings,
  });
  return t;
}

describe("GitOps auto-rollout cron", () => {
  it("rolls out the newest compiled webhook bundle once, with the project's template", async () => {
    const t = await gitopsProject({});
    const now = Date.now();
    const superseded = await webhookBundle(t, now - 60_000);
    const newest = await webhookBundle(t, now - 30_000);
    await runCron(now);
    expect(await rolloutsOf(newest)).toEqual([{ strategy: "all_at_once" }]);
    expect(await rolloutsOf(superseded)).toEqual([]);
    await runCron(now + 60_000);
    expect(await rolloutsOf(newest)).toHaveLength(1);
    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=rollout.created`,
      {
        key: t.adminKey,
      },
    );
    expect(audit.body.items[0]).toMatchObject({ actor_type: "system", actor_id: "github" });
  });

  it("leaves bundles alone without the flag, from other sources, or compiled long ago", async () => {
    const off = await gitopsProject({ github: { repo: "acme/edge", auto_rollout: false } });
    const now = Date.now();
    const notEnabled = await webhookBundle(off, now);
    const manual = await gitopsProject({});
    const byApi = await webhookBundle(manual, now, "api_key:k1");
    const old = await gitopsProject({});
    const stale = await webhookBundle(old, now - AUTO_ROLLOUT_WINDOW_MS - 60_000);
    await runCron(now);
    for (const id of [notEnabled, byApi, stale]) {
      expect(await rolloutsOf(id)).toEqual([]);
    }
  });

  it("records a refusal once (audit + gitops.auto_rollout_failed) instead of retrying every minute", async () => {
    const t = await gitopsProject({ rollout_template: { strategy: "sideways" } });
    const now = Date.now();
    const bundle = await webhookBundle(t, now);
    await runCron(now);
    await runCron(now + 60_000);
    expect(await rolloutsOf(bundle)).toEqual([]);
    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=gitops.auto_rollout_failed`,
      { key: t.adminKey },
    );
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].diff.after).toMatchObject({
      bundle_id: bundle,
      code: "BAD_REQUEST",
      details: [expect.objectContaining({ path: "settings.rollout_template.strategy" })],
    });
    expect(await eventTypes(t.projectId, "gitops.")).toEqual(["gitops.auto_rollout_failed"]);
  });
});
