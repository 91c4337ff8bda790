import {
  createExecutionContext,
  env,
  evictDurableObject,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_ALARM_RETRIES } from "../../durable-objects/rollout/alarm";
import type { RolloutDO } from "../../durable-objects/rollout-do";
import { rolloutWatchdogTask } from "../../src/jobs/tasks/watchdog";
import { createServices } from "../../src/services";
import { call } from "./harness";
import {
  advance,
  createFleet,
  createRolloutOk,
  driveUntil,
  type Fleet,
  getRollout,
  newBundle,
  rolloutStub,
  round,
  startClock,
  storedRollout,
} from "./rollout-sim";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

async function revoke(fleet: Fleet, bundleId: string) {
  const res = await call(
    "POST",
    `/api/v1/projects/${fleet.tenant.slug}/bundles/${bundleId}/revoke`,
    {
      key: fleet.tenant.adminKey,
    },
  );
  // The revoke route itself ticks every active rollout of the bundle (notifyBundleRevoked).
  expect(res.status, res.text).toBe(200);
}

const alarmOf = (id: string) =>
  runInDurableObject(rolloutStub(id), (_instance, state) => state.storage.getAlarm());

describe("bundle revocation", () => {
  it("fails a rollout awaiting approval at once, though it has no alarm", async () => {
    const fleet = await createFleet(2);
    await env.DB.prepare("UPDATE projects SET settings = ? WHERE id = ?")
      .bind(JSON.stringify({ approvals_required: 1 }), fleet.tenant.projectId)
      .run();
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
    });
    expect(r.state).toBe("pending_approval");
    expect(await alarmOf(r.id)).toBeNull();
    await revoke(fleet, next.bundleId);
    const view = await getRollout(fleet.tenant, r.id);
    expect(view).toMatchObject({ state: "failed", error: { reason: "bundle_revoked" } });
    expect(view.progress).toMatchObject({ skipped: 2 });
  });

  it("fails a running rollout safely: activated nodes roll back, the others are withdrawn", async () => {
    const fleet = await createFleet(4);
    const next = await newBundle(fleet);
    const [a, b, c, d] = fleet.nodes;
    if (!a || !b || !c || !d) {
      throw new Error("fleet too small");
    }
    for (const node of [c, d]) {
      node.behaviour = {
        ...node.behaviour,
        react: (id) => (id === next.bundleId ? "ignore" : "activate"),
      };
    }
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "all_at_once",
    });
    await round(fleet, r.id);
    await round(fleet, r.id);
    expect([a.active, b.active]).toEqual([next.bundleId, next.bundleId]);
    await revoke(fleet, next.bundleId);
    expect((await getRollout(fleet.tenant, r.id)).state).toBe("rolling_back");
    const done = await driveUntil(fleet, r.id, ["rolled_back", "failed"]);
    expect(done).toMatchObject({ state: "rolled_back", error: { reason: "bundle_revoked" } });
    expect(fleet.nodes.every((n) => n.active === fleet.base.bundleId)).toBe(true);
    // Nobody is offered the revoked bundle any more.
    for (const node of fleet.nodes) {
      expect(await node.poll()).toBeNull();
    }
  });
});

describe("alarm safety nets", () => {
  it("the cron watchdog re-arms a lost alarm of a running rollout", async () => {
    const fleet = await createFleet(2);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      batch_size: 1,
    });
    await round(fleet, r.id);
    await runInDurableObject(rolloutStub(r.id), (_i, state) => state.storage.deleteAlarm());
    expect(await runDurableObjectAlarm(rolloutStub(r.id))).toBe(false);
    advance(90_000);
    const ctx = createExecutionContext();
    const result = await rolloutWatchdogTask.run(
      createServices(env, ctx, "test-watchdog"),
      Date.now(),
    );
    await waitOnExecutionContext(ctx);
    expect(result).toMatchObject({ overdue: 1, nudged: 1 });
    expect(await alarmOf(r.id)).toBe(Date.now());
    const done = await driveUntil(fleet, r.id, ["completed", "failed"]);
    expect(done.state).toBe("completed");
  });

  it(`records a tick failing beyond ${MAX_ALARM_RETRIES} retries on the rollout and re-arms later`, async () => {
    const fleet = await createFleet(1);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
    });
    const stub = rolloutStub(r.id);
    // A stored state of an unknown version cannot be read: every tick fails.
    await runInDurableObject(stub, (_i, state) => {
      const core = state.storage.kv.get<Record<string, unknown>>("core");
      state.storage.kv.put("core", { ...core, version: 999 });
    });
    await evictDurableObject(stub);
    const scheduledTime = Date.now();
    const attempt = (retryCount: number) =>
      runInDurableObject(stub, (instance: RolloutDO) =>
        instance.alarm({ isRetry: retryCount > 0, retryCount, scheduledTime }),
      );
    await expect(attempt(0)).rejects.toThrow(/unsupported rollout state version 999/);
    await expect(attempt(MAX_ALARM_RETRIES)).rejects.toThrow();
    await attempt(MAX_ALARM_RETRIES + 1);
    expect(await alarmOf(r.id)).toBe(Date.now() + 60_000);
    const row = await env.DB.prepare("SELECT state, error FROM rollouts WHERE id = ?")
      .bind(r.id)
      .first<{ state: string; error: string }>();
    expect(row?.state).toBe("running");
    expect(JSON.parse(row?.error ?? "null")).toMatchObject({ reason: "engine_error" });
    const event = await env.DB.prepare(
      "SELECT severity, payload FROM events WHERE resource_id = ? AND type = ?",
    )
      .bind(r.id, "rollout.tick_failed")
      .first<{ severity: string; payload: string }>();
    expect(event?.severity).toBe("critical");
    // Once the state is readable again, the next successful tick clears the recorded failure.
    await runInDurableObject(stub, (_i, state) => {
      const core = state.storage.kv.get<Record<string, unknown>>("core");
      state.storage.kv.put("core", { ...core, version: 1 });
    });
    await evictDurableObject(stub);
    advance(60_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const cleared = await env.DB.prepare("SELECT error FROM rollouts WHERE id = ?")
      .bind(r.id)
      .first<{ error: string | null }>();
    expect(cleared?.error).toBeNull();
  });

  it("keeps failed work in the outbox and runs it before anything else", async () => {
    const fleet = await createFleet(1);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
    });
    const stub = rolloutStub(r.id);
    // A work item that cannot run (as if D1 rejected it).
    await runInDurableObject(stub, (_i, state) => {
      state.storage.kv.put("outbox:000000000000", { kind: "d1", writes: [{ op: "bogus" }] });
    });
    await expect(runDurableObjectAlarm(stub)).rejects.toThrow(/unhandled write/);
    const stuck = await runInDurableObject(stub, (instance: RolloutDO) => instance.getState());
    expect(stuck.pendingWork).toBe(1);
    expect(stuck.state).toBe("running");
    await runInDurableObject(stub, (_i, state) => {
      state.storage.kv.delete("outbox:000000000000");
    });
    advance(5_000);
    await runDurableObjectAlarm(stub);
    expect(
      (await runInDurableObject(stub, (instance: RolloutDO) => instance.getState())).pendingWork,
    ).toBe(0);
  });
});

describe("node reports", () => {
  it("apply at once, tolerate repeats, and bring the next tick forward", async () => {
    const fleet = await createFleet(2);
    const next = await newBundle(fleet);
    const r = await createRolloutOk(fleet.tenant, {
      bundle_id: next.bundleId,
      target_selector: { type: "all" },
      strategy: "all_at_once",
      max_unavailable: 1,
    });
    await round(fleet, r.id);
    const node = fleet.nodes[0];
    if (!node) {
      throw new Error("no node");
    }
    advance(1_000);
    const report = {
      nodeId: node.id,
      bundleId: next.bundleId,
      kind: "failed" as const,
      error: "disk full",
      at: Date.now(),
    };
    const stub = rolloutStub(r.id);
    await stub.onNodeReport(report);
    await stub.onNodeReport(report);
    const state = await storedRollout(r.id);
    expect(state.counts.failed).toBe(1);
    expect(state.entries[0]?.find((e) => e.status === "failed")?.error).toBe("disk full");
    // The next tick is due right after the minimum gap, not a full tick interval later.
    expect(await alarmOf(r.id)).toBeLessThanOrEqual(Date.now() + 1_000);
    // Reports for rollouts this DO does not hold are ignored without creating state.
    const stranger = rolloutStub(crypto.randomUUID());
    await stranger.onNodeReport(report);
    expect((await stranger.getState()).state).toBeNull();
  });
});
