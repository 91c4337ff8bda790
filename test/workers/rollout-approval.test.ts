import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { call, createApiKey, expectEnvelope, keyForRole, type Tenant } from "./harness";
import {
  advance,
  createFleet,
  driveUntil,
  type Fleet,
  getRollout,
  newBundle,
  rolloutStub,
  startClock,
} from "./rollout-sim";
import { asUser, signedInUser } from "./sessions";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

async function requireApprovals(tenant: Tenant, n: number) {
  await env.DB.prepare("UPDATE projects SET settings = ? WHERE id = ?")
    .bind(JSON.stringify({ approvals_required: n }), tenant.projectId)
    .run();
}

const rolloutsPath = (t: Tenant) => `/api/v1/projects/${t.slug}/rollouts`;

async function createAs(fleet: Fleet, bundleId: string, opts: Parameters<typeof call>[2]) {
  return call("POST", rolloutsPath(fleet.tenant), {
    ...opts,
    body: { bundle_id: bundleId, target_selector: { type: "all" }, strategy: "all_at_once" },
  });
}

describe("approvals", () => {
  it("needs N distinct approvals, never the creator's, then runs to completion", async () => {
    const fleet = await createFleet(3);
    await requireApprovals(fleet.tenant, 2);
    const next = await newBundle(fleet);
    const creator = await signedInUser(fleet.tenant.orgId, "operator");
    const approver = await signedInUser(fleet.tenant.orgId, "operator");
    const created = await createAs(fleet, next.bundleId, asUser(creator.session));
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      state: "pending_approval",
      approvals_required: 2,
      next_tick_at: null,
      created_by: `user:${creator.userId}`,
    });
    const id = created.body.id as string;
    // Nothing is time-driven while approvals are missing.
    expect(await runDurableObjectAlarm(rolloutStub(id))).toBe(false);
    const path = `${rolloutsPath(fleet.tenant)}/${id}`;

    const self = await call("POST", `${path}/approve`, asUser(creator.session));
    expectEnvelope(self, 403, "FORBIDDEN");
    const reader = await keyForRole(fleet.tenant.orgId, "reader");
    expectEnvelope(await call("POST", `${path}/approve`, { key: reader }), 403, "FORBIDDEN");

    const first = await call(
      "POST",
      `${path}/approve`,
      asUser(approver.session, { body: { comment: "ok" } }),
    );
    expect(first.status, first.text).toBe(200);
    expect(first.body.state).toBe("pending_approval");
    expect(first.body.approvals).toEqual([
      expect.objectContaining({ actor_id: approver.userId, decision: "approve", comment: "ok" }),
    ]);
    // The same approver again changes nothing.
    const again = await call("POST", `${path}/approve`, asUser(approver.session));
    expect(again.status).toBe(200);
    expect(again.body.approvals).toHaveLength(1);

    const key = await createApiKey({
      orgId: fleet.tenant.orgId,
      scopes: ["rollouts:write", "rollouts:read"],
    });
    const second = await call("POST", `${path}/approve`, { key });
    expect(second.status, second.text).toBe(200);
    expect(second.body.state).toBe("running");
    expect(second.body.approvals).toHaveLength(2);
    const done = await driveUntil(fleet, id, ["completed", "failed"]);
    expect(done.state).toBe("completed");
    // Approving a running/completed rollout is refused.
    expectEnvelope(await call("POST", `${path}/approve`, { key }), 409, "CONFLICT");
  });

  it("a rejection needs a comment and cancels the rollout", async () => {
    const fleet = await createFleet(2);
    await requireApprovals(fleet.tenant, 1);
    const next = await newBundle(fleet);
    const created = await createAs(fleet, next.bundleId, { key: fleet.tenant.adminKey });
    expect(created.status, created.text).toBe(201);
    const path = `${rolloutsPath(fleet.tenant)}/${created.body.id}`;
    const reviewer = await signedInUser(fleet.tenant.orgId, "operator");
    const missing = expectEnvelope(
      await call("POST", `${path}/reject`, asUser(reviewer.session, { body: {} })),
      400,
      "BAD_REQUEST",
    );
    expect(missing.details?.[0]?.path).toBe("comment");
    expectEnvelope(
      await call("POST", `${path}/reject`, asUser(reviewer.session, { body: { comment: "   " } })),
      400,
      "BAD_REQUEST",
    );
    const rejected = await call(
      "POST",
      `${path}/reject`,
      asUser(reviewer.session, { body: { comment: "touches payments" } }),
    );
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body).toMatchObject({ state: "cancelled" });
    expect(rejected.body.approvals).toEqual([
      expect.objectContaining({ decision: "reject", comment: "touches payments" }),
    ]);
    expect(rejected.body.progress).toMatchObject({ skipped: 2 });
    const audit = await call(
      "GET",
      `/api/v1/projects/${fleet.tenant.slug}/audit-logs?action=rollout.rejected`,
      {
        key: fleet.tenant.adminKey,
      },
    );
    expect(audit.body.items).toEqual([
      expect.objectContaining({ resource_id: created.body.id, actor_id: reviewer.userId }),
    ]);
  });
});

describe("freeze windows", () => {
  async function freeze(t: Tenant, startsInMs: number, lastsMs: number, name = "Peak") {
    const res = await call("POST", `/api/v1/projects/${t.slug}/freeze-windows`, {
      key: t.adminKey,
      body: {
        name,
        reason: "peak traffic",
        starts_at: new Date(Date.now() + startsInMs).toISOString(),
        ends_at: new Date(Date.now() + startsInMs + lastsMs).toISOString(),
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; active: boolean };
  }

  it("refuses starting rollouts during an active window, naming it", async () => {
    const fleet = await createFleet(2);
    const next = await newBundle(fleet);
    const window = await freeze(fleet.tenant, -1000, 3_600_000, "Black Friday");
    expect(window.active).toBe(true);
    const refused = expectEnvelope(
      await createAs(fleet, next.bundleId, { key: fleet.tenant.adminKey }),
      409,
      "CONFLICT",
    );
    expect(refused.message).toContain("Black Friday");
    expect(refused.details?.[0]?.message).toContain(window.id);

    // A rollout that waits for approval may be created; the approval that would start it is not.
    await requireApprovals(fleet.tenant, 1);
    const waiting = await createAs(fleet, next.bundleId, { key: fleet.tenant.adminKey });
    expect(waiting.status, waiting.text).toBe(201);
    const approver = await signedInUser(fleet.tenant.orgId, "operator");
    const approvePath = `${rolloutsPath(fleet.tenant)}/${waiting.body.id}/approve`;
    const blocked = expectEnvelope(
      await call("POST", approvePath, asUser(approver.session)),
      409,
      "CONFLICT",
    );
    expect(blocked.message).toContain("Black Friday");
    expect((await getRollout(fleet.tenant, waiting.body.id)).approvals).toEqual([]);

    const listed = await call(
      "GET",
      `/api/v1/projects/${fleet.tenant.slug}/freeze-windows?active=true`,
      {
        key: fleet.tenant.adminKey,
      },
    );
    expect(listed.body.items.map((w: { id: string }) => w.id)).toEqual([window.id]);
    const deleted = await call(
      "DELETE",
      `/api/v1/projects/${fleet.tenant.slug}/freeze-windows/${window.id}`,
      {
        key: fleet.tenant.adminKey,
      },
    );
    expect(deleted.status).toBe(204);
    const approved = await call("POST", approvePath, asUser(approver.session));
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.state).toBe("running");
  });

  it("holds a scheduled rollout whose start falls in a window until the window ends", async () => {
    const fleet = await createFleet(2);
    const next = await newBundle(fleet);
    const window = await freeze(fleet.tenant, 60_000, 240_000);
    const startAt = new Date(Date.now() + 120_000).toISOString();
    const created = await call("POST", rolloutsPath(fleet.tenant), {
      key: fleet.tenant.adminKey,
      body: {
        bundle_id: next.bundleId,
        target_selector: { type: "all" },
        strategy: "all_at_once",
        scheduled_at: startAt,
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ state: "scheduled", scheduled_at: startAt });
    const id = created.body.id as string;
    advance(125_000);
    expect(await runDurableObjectAlarm(rolloutStub(id))).toBe(true);
    expect((await getRollout(fleet.tenant, id)).state).toBe("scheduled");
    const { results } = await env.DB.prepare(
      "SELECT payload FROM events WHERE resource_id = ? AND type = ?",
    )
      .bind(id, "rollout.start_deferred")
      .all<{ payload: string }>();
    expect(results.map((r) => JSON.parse(r.payload).freeze_window_id)).toEqual([window.id]);
    // Still frozen later on: the alarm waits for the window's end.
    advance(60_000);
    await runDurableObjectAlarm(rolloutStub(id));
    expect((await getRollout(fleet.tenant, id)).state).toBe("scheduled");
    advance(120_000);
    expect(await runDurableObjectAlarm(rolloutStub(id))).toBe(true);
    expect((await getRollout(fleet.tenant, id)).state).toBe("running");
    const done = await driveUntil(fleet, id, ["completed"]);
    expect(done.state).toBe("completed");
  });

  it("validates windows (every problem at once) and hides other tenants' windows", async () => {
    const fleet = await createFleet(1);
    const base = `/api/v1/projects/${fleet.tenant.slug}/freeze-windows`;
    const bad = expectEnvelope(
      await call("POST", base, {
        key: fleet.tenant.adminKey,
        body: { name: "", starts_at: "2030-01-02T00:00:00Z", ends_at: "2030-01-01T00:00:00Z" },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(bad.details?.map((d) => d.path).sort()).toEqual(["ends_at", "name"]);
    const past = expectEnvelope(
      await call("POST", base, {
        key: fleet.tenant.adminKey,
        body: { name: "old", starts_at: "2000-01-01T00:00:00Z", ends_at: "2000-01-02T00:00:00Z" },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(past.details?.[0]?.path).toBe("ends_at");
    const window = await freeze(fleet.tenant, 0, 60_000);
    const other = await createFleet(1);
    expectEnvelope(
      await call("DELETE", `/api/v1/projects/${other.tenant.slug}/freeze-windows/${window.id}`, {
        key: other.tenant.adminKey,
      }),
      404,
      "NOT_FOUND",
    );
    const reader = await keyForRole(fleet.tenant.orgId, "reader");
    expectEnvelope(await call("POST", base, { key: reader, body: {} }), 403, "FORBIDDEN");
    expect((await call("GET", base, { key: reader })).status).toBe(200);
    expectEnvelope(await call("GET", base), 401, "UNAUTHORIZED");
  });
});
