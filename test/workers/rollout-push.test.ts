import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nodeKeyHeaders } from "./fixtures";
import { call } from "./harness";
import { openPush, type PushClient } from "./push-client";
import {
  createFleet,
  createRolloutOk,
  driveUntil,
  getRollout,
  newBundle,
  rolloutNodeRows,
  rolloutStub,
  round,
  type SimNode,
  startClock,
} from "./rollout-sim";

beforeEach(() => startClock());

const sockets: PushClient[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const s of sockets.splice(0)) {
    try {
      s.ws.close(1000, "test done");
    } catch {
      // already closed
    }
  }
});

/** Opens a push socket for each node and waits for its hello. */
async function connectAll(nodes: readonly SimNode[]): Promise<Map<string, PushClient>> {
  const out = new Map<string, PushClient>();
  for (const node of nodes) {
    const client = await openPush(node.id, nodeKeyHeaders(node.key));
    sockets.push(client);
    await client.next((m) => m.type === "hello");
    out.set(node.id, client);
  }
  return out;
}

describe("rollout push: offers reach sockets without a poll", () => {
  it("pushes the batch's offer to exactly the batch's nodes when it opens", async () => {
    const fleet = await createFleet(4);
    const clients = await connectAll(fleet.nodes);
    const next = await newBundle(fleet, "pushed");
    const created = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "rolling",
      batch_size: 2,
    });
    // No node polls: only the engine's alarm runs.
    await runDurableObjectAlarm(rolloutStub(created.id));
    const rows = await rolloutNodeRows(created.id);
    const step0 = rows.filter((r) => r.step_index === 0).map((r) => r.node_id);
    const step1 = rows.filter((r) => r.step_index === 1).map((r) => r.node_id);
    expect(step0).toHaveLength(2);
    for (const id of step0) {
      const offer = (await clients.get(id)?.next((m) => m.type === "offer"))?.offer;
      expect(offer).toMatchObject({
        bundle_id: next.bundleId,
        rollout_id: created.id,
        rollback: false,
      });
    }
    for (const id of step1) {
      expect(clients.get(id)?.offers()).toEqual([]);
    }
    // The batch's nodes activate (poll + report), the next batch opens and is pushed too.
    for (const node of fleet.nodes.filter((n) => step0.includes(n.id))) {
      await node.cycle();
    }
    await driveUntil(fleet, created.id, ["running"], 1);
    for (let i = 0; i < 10; i++) {
      if (
        (await rolloutNodeRows(created.id)).some((r) => r.step_index === 1 && r.state !== "pending")
      ) {
        break;
      }
      await round({ nodes: [] }, created.id);
    }
    for (const id of step1) {
      const offer = (await clients.get(id)?.next((m) => m.type === "offer"))?.offer;
      expect(offer?.bundle_id).toBe(next.bundleId);
    }
  });

  it("a node that never connects still converges by polling", async () => {
    const fleet = await createFleet(3);
    const [silent, ...others] = fleet.nodes;
    if (!silent) {
      throw new Error("fleet too small");
    }
    await connectAll(others);
    const next = await newBundle(fleet, "poll-only");
    const created = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "rolling",
      batch_size: 1,
    });
    const view = await driveUntil(fleet, created.id, ["completed"]);
    expect(view.progress).toMatchObject({ total: 3 });
    expect(silent.active).toBe(next.bundleId);
    expect(silent.offers.at(-1)?.bundle_id).toBe(next.bundleId);
  });
});

describe("rollout push: rollback and revocation", () => {
  it("pushes the previous bundle (rollback: true) when an operator rolls back", async () => {
    const fleet = await createFleet(2);
    const clients = await connectAll(fleet.nodes);
    const next = await newBundle(fleet, "to-roll-back");
    const created = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "all_at_once",
    });
    // Round one opens the batch, round two lets the nodes poll and activate.
    await round(fleet, created.id);
    await round(fleet, created.id);
    expect(fleet.nodes.every((n) => n.active === next.bundleId)).toBe(true);
    const res = await call(
      "POST",
      `/api/v1/projects/${fleet.tenant.slug}/rollouts/${created.id}/rollback`,
      { key: fleet.tenant.adminKey, body: { reason: "bad config" } },
    );
    expect(res.status, res.text).toBe(200);
    await runDurableObjectAlarm(rolloutStub(created.id));
    for (const node of fleet.nodes) {
      const pushed = await clients
        .get(node.id)
        ?.next((m) => m.type === "offer" && m.offer.rollback === true);
      expect(pushed?.offer).toMatchObject({ bundle_id: fleet.base.bundleId, rollback: true });
    }
  });

  it("pushes the rollback when the rollout's bundle is revoked", async () => {
    const fleet = await createFleet(3);
    const [a, b, holdout] = fleet.nodes;
    if (!a || !b || !holdout) {
      throw new Error("fleet too small");
    }
    // One node never activates, so the rollout is still running when the bundle is revoked.
    holdout.behaviour = { ...holdout.behaviour, react: () => "ignore" };
    const clients = await connectAll([a, b]);
    const next = await newBundle(fleet, "to-revoke");
    const created = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "all_at_once",
    });
    await round(fleet, created.id);
    await round(fleet, created.id);
    expect([a.active, b.active]).toEqual([next.bundleId, next.bundleId]);
    expect((await getRollout(fleet.tenant, created.id)).state).toBe("running");
    const res = await call(
      "POST",
      `/api/v1/projects/${fleet.tenant.slug}/bundles/${next.bundleId}/revoke`,
      { key: fleet.tenant.adminKey },
    );
    expect(res.status, res.text).toBe(200);
    await runDurableObjectAlarm(rolloutStub(created.id));
    expect((await getRollout(fleet.tenant, created.id)).error).toMatchObject({
      reason: "bundle_revoked",
    });
    for (const node of [a, b]) {
      const pushed = await clients
        .get(node.id)
        ?.next((m) => m.type === "offer" && m.offer.rollback === true);
      expect(pushed?.offer.bundle_id).toBe(fleet.base.bundleId);
    }
  });
});
