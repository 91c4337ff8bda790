import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCompiledBundle } from "./fixtures";
import { call, expectEnvelope, keyForRole } from "./harness";
import {
  createFleet,
  createRolloutOk,
  driveUntil,
  type Fleet,
  newBundle,
  startClock,
} from "./rollout-sim";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

const rollouts = (f: Fleet) => `/api/v1/projects/${f.tenant.slug}/rollouts`;

describe("POST …/rollouts: validation", () => {
  it("lists every problem of a bad body in one 400 and creates nothing", async () => {
    const fleet = await createFleet(1);
    const res = await call("POST", rollouts(fleet), {
      key: fleet.tenant.adminKey,
      body: {
        bundle_id: fleet.base.bundleId,
        strategy: "yolo",
        batch_size: 0,
        max_unavailable: -1,
        canary: { steps: [50, 10] },
        health_gates: { max_error_rate: 150 },
        scheduled_at: "tomorrow",
      },
    });
    const error = expectEnvelope(res, 400, "BAD_REQUEST");
    expect(error.details?.map((d) => d.path).sort()).toEqual([
      "batch_size",
      "canary.steps[1]",
      "health_gates.max_error_rate",
      "max_unavailable",
      "scheduled_at",
      "strategy",
      "target_selector",
    ]);
    const list = await call("GET", rollouts(fleet), { key: fleet.tenant.adminKey });
    expect(list.body.items).toHaveLength(1); // the fleet's install rollout only
  });

  it("404 for an unknown bundle, 409 for one that is not compiled or revoked", async () => {
    const fleet = await createFleet(1);
    const target = { type: "all" };
    const unknown = "0".repeat(64);
    expectEnvelope(
      await call("POST", rollouts(fleet), {
        key: fleet.tenant.adminKey,
        body: { bundle_id: unknown, target_selector: target },
      }),
      404,
      "NOT_FOUND",
    );
    for (const status of ["pending", "revoked"] as const) {
      const bundle = await createCompiledBundle(fleet.tenant, { status });
      const res = await call("POST", rollouts(fleet), {
        key: fleet.tenant.adminKey,
        body: { bundle_id: bundle.bundleId, target_selector: target },
      });
      expect(expectEnvelope(res, 409, "CONFLICT").details?.[0]).toMatchObject({
        path: "bundle_id",
      });
    }
  });

  it("resolves node_ids and labels selectors; unknown ids are listed, revoked nodes excluded", async () => {
    const fleet = await createFleet(4);
    const next = await newBundle(fleet);
    const other = await createFleet(1);
    const foreign = other.nodes[0]?.id ?? "";
    const ghost = crypto.randomUUID();
    const ids = fleet.nodes.map((n) => n.id);
    const bad = expectEnvelope(
      await call("POST", rollouts(fleet), {
        key: fleet.tenant.adminKey,
        body: {
          bundle_id: next.bundleId,
          target_selector: { type: "node_ids", node_ids: [...ids, foreign, ghost] },
        },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(bad.details?.map((d) => d.message).sort()).toEqual(
      [`unknown node ${foreign}`, `unknown node ${ghost}`].sort(),
    );

    const revoked = fleet.nodes[3]?.id ?? "";
    const del = await call("DELETE", `/api/v1/projects/${fleet.tenant.slug}/nodes/${revoked}`, {
      key: fleet.tenant.adminKey,
    });
    expect(del.status, del.text).toBe(200);
    const byIds = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "node_ids", node_ids: ids.slice(2) },
    });
    expect(byIds.progress.total).toBe(1);
    // Group "a" holds nodes 0 and 2; node 2 is now in the first rollout.
    const conflict = expectEnvelope(
      await call("POST", rollouts(fleet), {
        key: fleet.tenant.adminKey,
        body: {
          bundle_id: next.bundleId,
          target_selector: { type: "labels", labels: { group: "a" } },
        },
      }),
      409,
      "CONFLICT",
    );
    expect(conflict.details?.map((d) => d.message)).toEqual([
      `node ${ids[2]} is in an active rollout`,
    ]);
    const byLabel = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "labels", labels: { group: "b" } },
    });
    // Node 3 is revoked: only node 1 is left in group "b".
    expect(byLabel.progress.total).toBe(1);
    expectEnvelope(
      await call("POST", rollouts(fleet), {
        key: fleet.tenant.adminKey,
        body: {
          bundle_id: next.bundleId,
          target_selector: { type: "labels", labels: { group: "c" } },
        },
      }),
      400,
      "BAD_REQUEST",
    );
  });

  it("refuses a second rollout over a node held by an active one, listing the node", async () => {
    const fleet = await createFleet(3);
    const next = await newBundle(fleet);
    const first = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "node_ids", node_ids: [fleet.nodes[0]?.id] },
    });
    const res = await call("POST", rollouts(fleet), {
      key: fleet.tenant.adminKey,
      body: { bundle_id: next.bundleId, target_selector: { type: "all" } },
    });
    const error = expectEnvelope(res, 409, "CONFLICT");
    expect(error.details).toEqual([
      { path: "target_selector", message: `node ${fleet.nodes[0]?.id} is in an active rollout` },
    ]);
    // Once the first one is over, the node is free.
    await driveUntil(fleet, first.id, ["completed"]);
    const again = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
    });
    // The node that already runs the bundle is skipped, not re-assigned.
    expect(again.progress.total).toBe(2);
    const nodes = await call("GET", `${rollouts(fleet)}/${again.id}/nodes`, {
      key: fleet.tenant.adminKey,
    });
    expect(nodes.body.items[0]).toMatchObject({
      node_id: fleet.nodes[0]?.id,
      step_index: null,
      state: "skipped",
      error: "already_active",
    });
  });

  it("409 when every target node already runs the bundle", async () => {
    const fleet = await createFleet(2);
    const res = await call("POST", rollouts(fleet), {
      key: fleet.tenant.adminKey,
      body: { bundle_id: fleet.base.bundleId, target_selector: { type: "all" } },
    });
    expectEnvelope(res, 409, "CONFLICT");
  });
});

describe("rollout reads", () => {
  it("lists with state and bundle filters and a cursor; pages the nodes in plan order", async () => {
    const fleet = await createFleet(5);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      batch_size: 2,
    });
    const key = fleet.tenant.adminKey;
    const running = await call("GET", `${rollouts(fleet)}?state=running`, { key });
    expect(running.body.items.map((i: { id: string }) => i.id)).toEqual([r.id]);
    const byBundle = await call("GET", `${rollouts(fleet)}?bundle_id=${fleet.base.bundleId}`, {
      key,
    });
    expect(byBundle.body.items).toEqual([expect.objectContaining({ state: "completed" })]);
    const page1 = await call("GET", `${rollouts(fleet)}?limit=1`, { key });
    expect(page1.body.items[0].id).toBe(r.id);
    const page2 = await call("GET", `${rollouts(fleet)}?limit=1&cursor=${page1.body.next_cursor}`, {
      key,
    });
    expect(page2.body.items[0].bundle_id).toBe(fleet.base.bundleId);
    expect(page2.body.next_cursor).toBeNull();
    expectEnvelope(
      await call("GET", `${rollouts(fleet)}?cursor=nonsense`, { key }),
      400,
      "BAD_REQUEST",
    );

    const seen: Array<{ step_index: number; node_id: string }> = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await call("GET", `${rollouts(fleet)}/${r.id}/nodes${q}`, { key });
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.map((n) => n.step_index)).toEqual([0, 0, 1, 1, 2]);
    expect(new Set(seen.map((n) => n.node_id)).size).toBe(5);
    const step1 = await call("GET", `${rollouts(fleet)}/${r.id}/nodes?step=1`, { key });
    expect(step1.body.items).toHaveLength(2);
    const got = await call("GET", `${rollouts(fleet)}/${r.id}`, { key });
    expect(got.body).toMatchObject({
      id: r.id,
      bundle_id: next.bundleId,
      spec: { strategy: "rolling", batch_size: 2, target_selector: { type: "all" } },
    });
  });
});

describe("rollout security", () => {
  it("401 without credentials, 403 for readers on mutations, 404 across tenants", async () => {
    const fleet = await createFleet(2);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
    });
    const path = `${rollouts(fleet)}/${r.id}`;
    const body = { bundle_id: next.bundleId, target_selector: { type: "all" } };
    expectEnvelope(await call("POST", rollouts(fleet), { body }), 401, "UNAUTHORIZED");
    expectEnvelope(await call("GET", path), 401, "UNAUTHORIZED");
    expectEnvelope(await call("POST", `${path}/pause`), 401, "UNAUTHORIZED");

    const reader = await keyForRole(fleet.tenant.orgId, "reader");
    expect((await call("GET", path, { key: reader })).status).toBe(200);
    expect((await call("GET", `${path}/nodes`, { key: reader })).status).toBe(200);
    expectEnvelope(await call("POST", rollouts(fleet), { key: reader, body }), 403, "FORBIDDEN");
    for (const action of ["pause", "resume", "cancel", "rollback", "approve", "promote"]) {
      expectEnvelope(await call("POST", `${path}/${action}`, { key: reader }), 403, "FORBIDDEN");
    }
    expectEnvelope(
      await call("POST", `${path}/reject`, { key: reader, body: { comment: "no" } }),
      403,
      "FORBIDDEN",
    );

    const other = await createFleet(1);
    const foreign = `/api/v1/projects/${other.tenant.slug}/rollouts/${r.id}`;
    expectEnvelope(await call("GET", foreign, { key: other.tenant.adminKey }), 404, "NOT_FOUND");
    expectEnvelope(
      await call("GET", `${foreign}/nodes`, { key: other.tenant.adminKey }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(
      await call("POST", `${foreign}/cancel`, { key: other.tenant.adminKey }),
      404,
      "NOT_FOUND",
    );
    // Their key on our project: the project itself is invisible.
    expectEnvelope(await call("GET", path, { key: other.tenant.adminKey }), 404, "NOT_FOUND");
    // The foreign attempts changed nothing.
    expect((await call("GET", path, { key: fleet.tenant.adminKey })).body.state).toBe("running");
    expectEnvelope(
      await call("GET", `${rollouts(fleet)}/${crypto.randomUUID()}`, {
        key: fleet.tenant.adminKey,
      }),
      404,
      "NOT_FOUND",
    );
  });
});
