import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_DRIFT_GRACE_S } from "../../src/jobs/tasks/drift";
import { eventTypes, runCron, setRow, setSettings } from "./cron-helpers";
import { createCompiledBundle, nodeKeyHeaders, registerNode } from "./fixtures";
import { call, createTenant } from "./harness";
import { flushNodeShard } from "./shards";

interface DriftRow {
  id: string;
  node_id: string;
  expected_bundle_id: string | null;
  actual_bundle_id: string | null;
  resolved_at: number | null;
  resolution: string | null;
  remediated: number;
}

async function driftRows(projectId: string): Promise<DriftRow[]> {
  const { results } = await env.DB.prepare(
    "SELECT * FROM drift_events WHERE project_id = ? ORDER BY detected_at, rowid",
  )
    .bind(projectId)
    .all<DriftRow>();
  return results;
}

/** A project with two compiled bundles and a node that runs the old one but should run the new. */
async function driftingFleet(settings: Record<string, unknown>) {
  const t = await createTenant();
  await setSettings(t.projectId, settings);
  const old = await createCompiledBundle(t);
  const next = await createCompiledBundle(t);
  return { t, old, next };
}

async function driftingNode(
  t: Awaited<ReturnType<typeof createTenant>>,
  active: string,
  desired: string,
  divergedSince: number,
  status = "online",
) {
  const node = await registerNode(t);
  await setRow("nodes", node.nodeId, {
    status,
    active_bundle_id: active,
    desired_bundle_id: desired,
    diverged_since: divergedSince,
  });
  return node;
}

describe("drift cron: detection and resolution", () => {
  it("opens one drift event after the grace period and resolves it when the node converges", async () => {
    const { t, old, next } = await driftingFleet({ drift_grace_seconds: 60 });
    const now = Date.now();
    const drifting = await driftingNode(t, old.bundleId, next.bundleId, now - 61_000);
    await driftingNode(t, old.bundleId, next.bundleId, now - 30_000); // within the grace period
    await driftingNode(t, old.bundleId, next.bundleId, now - 600_000, "offline");

    await runCron(now);
    const [open] = await driftRows(t.projectId);
    expect(await driftRows(t.projectId)).toHaveLength(1);
    expect(open).toMatchObject({
      node_id: drifting.nodeId,
      expected_bundle_id: next.bundleId,
      actual_bundle_id: old.bundleId,
      resolved_at: null,
      remediated: 0,
    });
    expect(await eventTypes(t.projectId, "drift.")).toEqual(["drift.detected"]);

    // Idempotent: later runs while it still drifts open nothing new.
    await runCron(now + 1_000);
    expect(await driftRows(t.projectId)).toHaveLength(1);

    // The node reports the desired bundle: the heartbeat clears divergence, the cron resolves.
    const hb = await call("POST", `/api/v1/nodes/${drifting.nodeId}/heartbeat`, {
      headers: nodeKeyHeaders(drifting.nodeKey),
      body: { active_bundle_id: next.bundleId },
    });
    expect(hb.status, hb.text).toBe(200);
    await flushNodeShard(t.projectId, drifting.nodeId);
    await runCron(now + 2_000);
    expect(await driftRows(t.projectId)).toEqual([
      expect.objectContaining({ resolution: "converged", resolved_at: now + 2_000 }),
    ]);
    await expect
      .poll(() => eventTypes(t.projectId, "drift."))
      .toEqual(["drift.detected", "drift.resolved"]);
  });

  it("uses the default grace period of 300 s", async () => {
    const { t, old, next } = await driftingFleet({});
    const now = Date.now();
    const early = await driftingNode(t, old.bundleId, next.bundleId, now - 200_000);
    const late = await driftingNode(
      t,
      old.bundleId,
      next.bundleId,
      now - DEFAULT_DRIFT_GRACE_S * 1000 - 1,
    );
    await runCron(now);
    const rows = await driftRows(t.projectId);
    expect(rows.map((r) => r.node_id)).toEqual([late.nodeId]);
    expect(rows.map((r) => r.node_id)).not.toContain(early.nodeId);
  });

  it("treats a node that runs nothing as critical drift", async () => {
    const { t, next } = await driftingFleet({ drift_grace_seconds: 10 });
    const now = Date.now();
    const node = await registerNode(t);
    await setRow("nodes", node.nodeId, {
      status: "online",
      active_bundle_id: null,
      desired_bundle_id: next.bundleId,
      diverged_since: now - 20_000,
    });
    await runCron(now);
    const event = await env.DB.prepare(
      "SELECT severity, payload FROM events WHERE project_id = ? AND type = 'drift.detected'",
    )
      .bind(t.projectId)
      .first<{ severity: string; payload: string }>();
    expect(event?.severity).toBe("critical");
    expect(JSON.parse(event?.payload ?? "{}")).toMatchObject({
      node_id: node.nodeId,
      expected_bundle_id: next.bundleId,
      actual_bundle_id: null,
    });
  });

  it("supersedes an open event when the desired bundle changes, and closes it for removed nodes", async () => {
    const { t, old, next } = await driftingFleet({ drift_grace_seconds: 10 });
    const third = await createCompiledBundle(t);
    const now = Date.now();
    const node = await driftingNode(t, old.bundleId, next.bundleId, now - 20_000);
    const removed = await driftingNode(t, old.bundleId, next.bundleId, now - 20_000);
    await runCron(now);
    expect(await driftRows(t.projectId)).toHaveLength(2);

    await setRow("nodes", node.nodeId, { desired_bundle_id: third.bundleId });
    await call("DELETE", `/api/v1/projects/${t.slug}/nodes/${removed.nodeId}`, { key: t.adminKey });
    await runCron(now + 60_000);
    const rows = await driftRows(t.projectId);
    const byNode = (id: string) => rows.filter((r) => r.node_id === id);
    expect(byNode(removed.nodeId).map((r) => r.resolution)).toEqual(["node_removed"]);
    expect(byNode(node.nodeId).map((r) => [r.expected_bundle_id, r.resolution])).toEqual([
      [next.bundleId, "superseded"],
      [third.bundleId, null],
    ]);
  });
});

describe("drift cron: auto-remediation", () => {
  it("re-sends the desired assignment once per drift event and audits it", async () => {
    const { t, old, next } = await driftingFleet({
      drift_grace_seconds: 10,
      drift_auto_remediate: true,
    });
    const now = Date.now();
    const node = await driftingNode(t, old.bundleId, next.bundleId, now - 20_000);
    await setRow("nodes", node.nodeId, { desired_set_at: now - 20_000 });

    await runCron(now);
    const remediated = await env.DB.prepare(
      "SELECT desired_bundle_id, desired_set_at FROM nodes WHERE id = ?",
    )
      .bind(node.nodeId)
      .first<{ desired_bundle_id: string; desired_set_at: number }>();
    expect(remediated?.desired_bundle_id).toBe(next.bundleId);
    expect(remediated?.desired_set_at).toBeGreaterThan(now - 20_000);
    expect((await driftRows(t.projectId))[0]?.remediated).toBe(1);
    const assignment = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM node_assignments WHERE node_id = ? AND bundle_id = ?",
    )
      .bind(node.nodeId, next.bundleId)
      .first<{ n: number }>();
    expect(assignment?.n).toBe(1);

    await runCron(now + 60_000);
    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=drift.remediated`,
      {
        key: t.adminKey,
      },
    );
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ actor_type: "system", resource_id: node.nodeId });
  });

  it("does not remediate when the project has not opted in", async () => {
    const { t, old, next } = await driftingFleet({ drift_grace_seconds: 10 });
    const now = Date.now();
    const node = await driftingNode(t, old.bundleId, next.bundleId, now - 20_000);
    await setRow("nodes", node.nodeId, { desired_set_at: now - 20_000 });
    await runCron(now);
    const row = await env.DB.prepare("SELECT desired_set_at FROM nodes WHERE id = ?")
      .bind(node.nodeId)
      .first<{ desired_set_at: number }>();
    expect(row?.desired_set_at).toBe(now - 20_000);
    expect((await driftRows(t.projectId))[0]?.remediated).toBe(0);
  });
});
