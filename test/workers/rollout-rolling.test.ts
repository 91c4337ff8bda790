import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nodeRow } from "./fixtures";
import { call, expectEnvelope } from "./harness";
import {
  advance,
  createFleet,
  createRolloutOk,
  driveUntil,
  getRollout,
  newBundle,
  rolloutNodeRows,
  rolloutStub,
  round,
  startClock,
} from "./rollout-sim";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

async function auditActions(slug: string, key: string, rolloutId: string): Promise<string[]> {
  const res = await call("GET", `/api/v1/projects/${slug}/audit-logs?limit=500`, { key });
  expect(res.status, res.text).toBe(200);
  const items = res.body.items as Array<{ action: string; resource_id: string | null }>;
  return items
    .filter((e) => e.resource_id === rolloutId)
    .map((e) => e.action)
    .reverse();
}

async function eventTypes(rolloutId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT type FROM events WHERE resource_id = ? ORDER BY created_at, rowid",
  )
    .bind(rolloutId)
    .all<{ type: string }>();
  return results.map((r) => r.type);
}

describe("rolling rollout", () => {
  it("rolls 50 nodes in batches of 10 to completion, every node verified on the bundle", async () => {
    const fleet = await createFleet(50);
    const next = await newBundle(fleet);
    const created = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "rolling",
      batch_size: 10,
      health_gates: { max_error_rate: 5, max_latency_ms: 500 },
    });
    expect(created).toMatchObject({ state: "running", step_count: 5, strategy: "rolling" });
    expect(created.progress).toMatchObject({ pending: 50, total: 50 });

    // First round assigns step 0 only: the other 40 nodes are not offered anything yet.
    await round(fleet, created.id);
    const offered = fleet.nodes.filter((n) => n.offers.length > 1);
    expect(offered).toHaveLength(0);
    const assigned = (await rolloutNodeRows(created.id)).filter((r) => r.state === "assigned");
    expect(assigned).toHaveLength(10);
    expect(new Set(assigned.map((r) => r.step_index))).toEqual(new Set([0]));

    const done = await driveUntil(fleet, created.id, ["completed", "failed", "rolled_back"]);
    expect(done.state).toBe("completed");
    expect(done.progress).toMatchObject({ verified: 50, failed: 0, pending: 0, total: 50 });
    expect(done.steps.map((s: { state: string }) => s.state)).toEqual(Array(5).fill("completed"));
    expect(done.next_tick_at).toBeNull();
    for (const node of fleet.nodes) {
      expect(node.active).toBe(next.bundleId);
      expect(await nodeRow(node.id)).toMatchObject({
        desired_bundle_id: next.bundleId,
        desired_rollout_id: created.id,
        desired_is_rollback: 0,
      });
    }
    const rows = await rolloutNodeRows(created.id);
    expect(rows.every((r) => r.state === "verified")).toBe(true);
    expect(rows.every((r) => r.previous_bundle_id === fleet.base.bundleId)).toBe(true);
    expect(await auditActions(fleet.tenant.slug, fleet.tenant.adminKey, created.id)).toEqual([
      "rollout.created",
      "rollout.started",
      "rollout.completed",
    ]);
    const events = await eventTypes(created.id);
    expect(events.filter((t) => t === "rollout.step_completed")).toHaveLength(5);
    expect(events.at(-1)).toBe("rollout.completed");
    // A completed rollout has no alarm left.
    expect(await runDurableObjectAlarm(rolloutStub(created.id))).toBe(false);
  });

  it("tolerates up to max_unavailable failed nodes per step", async () => {
    const fleet = await createFleet(8);
    const next = await newBundle(fleet);
    const [bad] = fleet.nodes;
    if (!bad) {
      throw new Error("no nodes");
    }
    bad.behaviour = {
      ...bad.behaviour,
      react: (id) => (id === next.bundleId ? "fail" : "activate"),
    };
    const tolerant = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      batch_size: 4,
      max_unavailable: 1,
    });
    const done = await driveUntil(fleet, tolerant.id, ["completed", "failed", "rolled_back"]);
    expect(done.state).toBe("completed");
    expect(done.progress).toMatchObject({ verified: 7, failed: 1 });
    const badRow = (await rolloutNodeRows(tolerant.id)).find((r) => r.node_id === bad.id);
    expect(badRow).toMatchObject({ state: "failed", error: "zentinel validate: exit 1" });
  });

  it("pauses without progress and resumes where it stopped", async () => {
    const fleet = await createFleet(6);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      batch_size: 2,
      progress_deadline_seconds: 60,
    });
    await round(fleet, r.id);
    const path = `/api/v1/projects/${fleet.tenant.slug}/rollouts/${r.id}`;
    const paused = await call("POST", `${path}/pause`, { key: fleet.tenant.adminKey });
    expect(paused.status, paused.text).toBe(200);
    expect(paused.body.state).toBe("paused");
    // Pausing twice is a no-op; resuming is the way on.
    expect((await call("POST", `${path}/pause`, { key: fleet.tenant.adminKey })).status).toBe(200);
    // Longer than the progress deadline: a pause must not consume it.
    for (let i = 0; i < 20; i += 1) {
      await round(fleet, r.id);
    }
    const held = await getRollout(fleet.tenant, r.id);
    expect(held.state).toBe("paused");
    expect(held.progress.pending).toBe(4);
    const resumed = await call("POST", `${path}/resume`, { key: fleet.tenant.adminKey });
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.body.state).toBe("running");
    const done = await driveUntil(fleet, r.id, ["completed", "failed", "rolled_back"]);
    expect(done.state).toBe("completed");
    const actions = await auditActions(fleet.tenant.slug, fleet.tenant.adminKey, r.id);
    expect(actions).toContain("rollout.paused");
    expect(actions).toContain("rollout.resumed");
    // Resume on a completed rollout is refused.
    expectEnvelope(
      await call("POST", `${path}/resume`, { key: fleet.tenant.adminKey }),
      409,
      "CONFLICT",
    );
  });

  it("cancel stops the rollout: unreached nodes are skipped, unactivated ones get their bundle back", async () => {
    const fleet = await createFleet(6);
    const next = await newBundle(fleet);
    // The first step's nodes never act on the offer, so they are assigned but not active.
    for (const node of fleet.nodes) {
      node.behaviour = {
        ...node.behaviour,
        react: (id) => (id === next.bundleId ? "ignore" : "activate"),
      };
    }
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      batch_size: 3,
    });
    await round(fleet, r.id);
    const assigned = (await rolloutNodeRows(r.id)).filter((n) => n.state === "assigned");
    expect(assigned).toHaveLength(3);
    const res = await call(
      "POST",
      `/api/v1/projects/${fleet.tenant.slug}/rollouts/${r.id}/cancel`,
      {
        key: fleet.tenant.adminKey,
        body: { reason: "wrong bundle" },
      },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ state: "cancelled", next_tick_at: null });
    expect(res.body.progress).toMatchObject({ skipped: 6 });
    for (const row of assigned) {
      expect(await nodeRow(row.node_id)).toMatchObject({ desired_bundle_id: fleet.base.bundleId });
    }
    for (const node of fleet.nodes) {
      await node.cycle();
      expect(node.active).toBe(fleet.base.bundleId);
    }
    // Every node is free again: a new rollout may take them.
    const again = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "all_at_once",
    });
    expect(again.state).toBe("running");
  });

  it("fails at the progress deadline when nodes never activate", async () => {
    const fleet = await createFleet(4);
    const next = await newBundle(fleet);
    for (const node of fleet.nodes) {
      node.behaviour = {
        ...node.behaviour,
        react: (id) => (id === next.bundleId ? "ignore" : "activate"),
      };
    }
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "all_at_once",
      progress_deadline_seconds: 30,
      auto_rollback: false,
    });
    await round(fleet, r.id); // assigns at t
    advance(20_000);
    await round(fleet, r.id); // t + 25 s: within the deadline
    expect((await getRollout(fleet.tenant, r.id)).state).toBe("running");
    const failed = await driveUntil(fleet, r.id, ["failed"], 5);
    expect(failed.error).toMatchObject({ reason: "deadline_exceeded", step_index: 0 });
    expect(failed.steps[0]).toMatchObject({ state: "failed" });
    expect(failed.steps[0].error).toMatchObject({ reason: "deadline_exceeded" });
    expect(failed.steps[0].error.details).toMatchObject({ healthy: 0, required: 4 });
  });
});
