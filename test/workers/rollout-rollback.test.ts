import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nodeRow } from "./fixtures";
import { call, expectEnvelope } from "./harness";
import {
  createFleet,
  createRolloutOk,
  driveUntil,
  newBundle,
  rolloutNodeRows,
  startClock,
} from "./rollout-sim";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

describe("rollback", () => {
  it("a node failing activation rolls every touched node back to its previous bundle", async () => {
    const fleet = await createFleet(10);
    const next = await newBundle(fleet);
    const victim = fleet.nodes[5];
    if (!victim) {
      throw new Error("no node 5");
    }
    victim.behaviour = {
      ...victim.behaviour,
      react: (id) => (id === next.bundleId ? "fail" : "activate"),
    };
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      batch_size: 3,
    });
    const done = await driveUntil(fleet, r.id, ["rolled_back", "failed", "completed"]);
    expect(done.state).toBe("rolled_back");
    expect(done.error).toMatchObject({ reason: "node_activation_failed" });
    expect(done.error.node_ids).toEqual([victim.id]);
    const failedStep = done.steps.find((s: { state: string }) => s.state === "failed");
    expect(failedStep.error).toMatchObject({ reason: "node_activation_failed" });

    const rows = await rolloutNodeRows(r.id);
    const touched = rows.filter((row) => row.state !== "skipped");
    // Steps 0 and 1 (6 nodes, the victim among them) were assigned; the rest never were.
    expect(touched).toHaveLength(6);
    expect(touched.every((row) => row.state === "rolled_back")).toBe(true);
    expect(rows.filter((row) => row.state === "skipped")).toHaveLength(4);
    for (const node of fleet.nodes) {
      // Every node runs the base bundle again; those that ran `next` were offered the base
      // bundle as a rollback.
      expect(node.active).toBe(fleet.base.bundleId);
      const touchedNode = touched.some((row) => row.node_id === node.id);
      const rollbackOffers = node.offers.filter((o) => o.rollback);
      if (touchedNode && node !== victim) {
        expect(rollbackOffers.map((o) => o.bundle_id)).toEqual([fleet.base.bundleId]);
        expect(rollbackOffers[0]?.rollout_id).toBe(r.id);
        expect(await nodeRow(node.id)).toMatchObject({
          desired_bundle_id: fleet.base.bundleId,
          desired_is_rollback: 1,
        });
      } else {
        expect(rollbackOffers).toEqual([]);
      }
    }
  });

  it("manual rollback after completion restores every node", async () => {
    const fleet = await createFleet(4);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "all_at_once",
    });
    await driveUntil(fleet, r.id, ["completed"]);
    const res = await call(
      "POST",
      `/api/v1/projects/${fleet.tenant.slug}/rollouts/${r.id}/rollback`,
      {
        key: fleet.tenant.adminKey,
        body: { reason: "latency regression" },
      },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.state).toBe("rolling_back");
    const done = await driveUntil(fleet, r.id, ["rolled_back", "failed"]);
    expect(done.state).toBe("rolled_back");
    expect(done.error).toBeNull();
    expect(fleet.nodes.every((n) => n.active === fleet.base.bundleId)).toBe(true);
    expect((await rolloutNodeRows(r.id)).every((row) => row.state === "rolled_back")).toBe(true);
    // Rolling back twice is a no-op; nothing else is allowed any more.
    const path = `/api/v1/projects/${fleet.tenant.slug}/rollouts/${r.id}`;
    expect((await call("POST", `${path}/rollback`, { key: fleet.tenant.adminKey })).status).toBe(
      200,
    );
    expectEnvelope(
      await call("POST", `${path}/cancel`, { key: fleet.tenant.adminKey }),
      409,
      "CONFLICT",
    );
  });

  it("a rollback whose nodes never confirm fails at the rollback deadline", async () => {
    const fleet = await createFleet(3);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "all_at_once",
      rollback_deadline_seconds: 20,
    });
    await driveUntil(fleet, r.id, ["completed"]);
    // The nodes now refuse to go back.
    for (const node of fleet.nodes) {
      node.behaviour = {
        ...node.behaviour,
        react: (id) => (id === next.bundleId ? "activate" : "ignore"),
      };
    }
    await call("POST", `/api/v1/projects/${fleet.tenant.slug}/rollouts/${r.id}/rollback`, {
      key: fleet.tenant.adminKey,
    });
    const failed = await driveUntil(fleet, r.id, ["failed", "rolled_back"]);
    expect(failed.state).toBe("failed");
    expect(failed.error).toMatchObject({ reason: "rollback_incomplete" });
    expect(failed.error.node_ids).toHaveLength(3);
  });
});
