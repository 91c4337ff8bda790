/**
 * Alert evaluation end to end: rules created through the API, a node going offline through the
 * real state, the project's AlertEvaluatorDO evaluating, events routed to a webhook channel,
 * the notify consumer sending them. Exactly one notification per fire and per resolve.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { alertWebhook, createRule, deliveriesOf, evaluate, eventsOf } from "./alerts-helpers";
import { runCron, setRow } from "./cron-helpers";
import { registerNode } from "./fixtures";
import { call, createTenant } from "./harness";
import { fakeEndpoint, runNotify } from "./notify-helpers";

afterEach(() => {
  vi.useRealTimers();
});

const ALERT_TYPES = ["alert.firing", "alert.resolved"];

describe("alert evaluation", () => {
  it("fires after `for`, resolves, and notifies a webhook exactly once each", async () => {
    const t = await createTenant();
    const channel = await alertWebhook(t);
    const node = await registerNode(t);
    const rule = await createRule(t, { name: "offline", for_seconds: 60, severity: "critical" });
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.now();

    expect(await evaluate(t)).toMatchObject({ evaluated: 1, transitions: 0 });
    await setRow("nodes", node.nodeId, { status: "offline" });
    await evaluate(t); // breach starts: pending
    vi.setSystemTime(t0 + 30_000);
    await evaluate(t); // 30 s < 60 s: still pending
    let got = await call("GET", `/api/v1/projects/${t.slug}/alert-rules/${rule.id}`, {
      key: t.adminKey,
    });
    expect(got.body).toMatchObject({ state: "pending", last_value: 1 });
    vi.setSystemTime(t0 + 60_000);
    expect(await evaluate(t)).toMatchObject({ transitions: 1, notifications: 1 });
    for (const s of [90_000, 120_000, 150_000]) {
      vi.setSystemTime(t0 + s);
      expect(await evaluate(t)).toMatchObject({ transitions: 0, notifications: 0 });
    }
    got = await call("GET", `/api/v1/projects/${t.slug}/alert-rules/${rule.id}`, {
      key: t.adminKey,
    });
    expect(got.body).toMatchObject({ state: "firing", silenced: false });

    await setRow("nodes", node.nodeId, { status: "online" });
    vi.setSystemTime(t0 + 180_000);
    expect(await evaluate(t)).toMatchObject({ transitions: 1, notifications: 1 });
    vi.setSystemTime(t0 + 210_000);
    expect(await evaluate(t)).toMatchObject({ transitions: 0, notifications: 0 });

    const events = await eventsOf(t.projectId, ALERT_TYPES);
    expect(events.map((e) => [e.type, e.severity])).toEqual([
      ["alert.firing", "critical"],
      ["alert.resolved", "info"],
    ]);
    expect(JSON.parse(events[0]?.payload ?? "{}")).toMatchObject({
      rule_id: rule.id,
      metric: "nodes_offline",
      value: 1,
      threshold: 0,
    });
    const deliveries = await deliveriesOf(channel);
    expect(deliveries.map((d) => d.type)).toEqual(["alert.firing", "alert.resolved"]);

    // The consumer sends each delivery as one signed webhook POST.
    vi.useRealTimers();
    const endpoint = fakeEndpoint(200);
    for (const d of deliveries) {
      await runNotify(d.id, endpoint.fetch);
    }
    expect(endpoint.requests).toHaveLength(2);
    const bodies = await Promise.all(endpoint.requests.map((r) => r.json()));
    expect(bodies.map((b) => (b as { type?: string }).type)).toEqual(ALERT_TYPES);

    const history = await call("GET", `/api/v1/projects/${t.slug}/alert-history`, {
      key: t.adminKey,
    });
    expect(
      history.body.items.map((h: { from: string; to: string; notified: string | null }) => [
        h.from,
        h.to,
        h.notified,
      ]),
    ).toEqual([
      ["firing", "resolved", "resolved"],
      ["pending", "firing", "firing"],
      ["inactive", "pending", null],
    ]);
    const audit = await env.DB.prepare(
      "SELECT action, actor_type FROM audit_logs WHERE project_id = ? AND action LIKE 'alert.%' ORDER BY seq",
    )
      .bind(t.projectId)
      .all<{ action: string; actor_type: string }>();
    expect(audit.results.map((a) => a.action)).toEqual([
      "alert.pending",
      "alert.firing",
      "alert.resolved",
    ]);
  });

  it("holds the firing notification while silenced and sends it when the silence ends", async () => {
    const t = await createTenant();
    const channel = await alertWebhook(t);
    const node = await registerNode(t);
    const rule = await createRule(t, { name: "offline-now" });
    const silence = await call("POST", `/api/v1/projects/${t.slug}/alert-silences`, {
      key: t.adminKey,
      body: { rule_id: rule.id, ends_at: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(silence.status).toBe(201);
    await setRow("nodes", node.nodeId, { status: "offline" });
    await evaluate(t);
    await evaluate(t);
    const listed = await call("GET", `/api/v1/projects/${t.slug}/alert-rules?state=firing`, {
      key: t.adminKey,
    });
    expect(listed.body.items).toMatchObject([{ id: rule.id, state: "firing", silenced: true }]);
    expect(await deliveriesOf(channel)).toEqual([]);

    const del = await call(
      "DELETE",
      `/api/v1/projects/${t.slug}/alert-silences/${silence.body.id}`,
      { key: t.adminKey },
    );
    expect(del.status).toBe(204);
    expect(await evaluate(t)).toMatchObject({ transitions: 0, notifications: 1 });
    await evaluate(t);
    expect((await deliveriesOf(channel)).map((d) => d.type)).toEqual(["alert.firing"]);
  });

  it("a project-wide silence covers every rule; an episode inside it sends nothing", async () => {
    const t = await createTenant();
    const channel = await alertWebhook(t);
    const node = await registerNode(t);
    await createRule(t, { name: "a" });
    await createRule(t, { name: "b", comparator: ">=", threshold: 1 });
    await call("POST", `/api/v1/projects/${t.slug}/alert-silences`, {
      key: t.adminKey,
      body: { ends_at: new Date(Date.now() + 3_600_000).toISOString(), reason: "maintenance" },
    });
    await setRow("nodes", node.nodeId, { status: "offline" });
    expect(await evaluate(t)).toMatchObject({ evaluated: 2, transitions: 2, notifications: 0 });
    await setRow("nodes", node.nodeId, { status: "online" });
    expect(await evaluate(t)).toMatchObject({ transitions: 2, notifications: 0 });
    expect(await deliveriesOf(channel)).toEqual([]);
  });

  it("deleting a notified firing rule sends its resolve; disabled rules are not evaluated", async () => {
    const t = await createTenant();
    const channel = await alertWebhook(t);
    const node = await registerNode(t);
    const rule = await createRule(t, { name: "doomed" });
    const idle = await createRule(t, { name: "idle", enabled: false });
    await setRow("nodes", node.nodeId, { status: "offline" });
    expect(await evaluate(t)).toMatchObject({ evaluated: 1, notifications: 1 });
    const res = await call("DELETE", `/api/v1/projects/${t.slug}/alert-rules/${rule.id}`, {
      key: t.adminKey,
    });
    expect(res.status).toBe(204);
    expect((await deliveriesOf(channel)).map((d) => d.type)).toEqual([
      "alert.firing",
      "alert.resolved",
    ]);
    const idleNow = await call("GET", `/api/v1/projects/${t.slug}/alert-rules/${idle.id}`, {
      key: t.adminKey,
    });
    expect(idleNow.body).toMatchObject({ state: "inactive", last_evaluated_at: null });
  });

  it("only counts the rule's own project's nodes", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const nodeB = await registerNode(b);
    await setRow("nodes", nodeB.nodeId, { status: "offline" });
    const rule = await createRule(a, { name: "mine" });
    await evaluate(a);
    const got = await call("GET", `/api/v1/projects/${a.slug}/alert-rules/${rule.id}`, {
      key: a.adminKey,
    });
    expect(got.body).toMatchObject({ state: "inactive", last_value: 0 });
  });
});

describe("alert evaluator alarm", () => {
  it("is armed by rule creation, re-arms every 30 s while rules exist, and stops without", async () => {
    const t = await createTenant();
    const rule = await createRule(t, { name: "armed" });
    const stub = env.ALERT_EVALUATOR.get(env.ALERT_EVALUATOR.idFromName(t.projectId));
    const armed = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(armed).not.toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const next = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(Date.now() + 25_000);
    const got = await call("GET", `/api/v1/projects/${t.slug}/alert-rules/${rule.id}`, {
      key: t.adminKey,
    });
    expect(got.body.last_evaluated_at).not.toBeNull();

    await call("DELETE", `/api/v1/projects/${t.slug}/alert-rules/${rule.id}`, { key: t.adminKey });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBeNull();
  });

  it("the cron re-arms a project whose evaluations stopped", async () => {
    const t = await createTenant();
    await createRule(t, { name: "lost" });
    const stub = env.ALERT_EVALUATOR.get(env.ALERT_EVALUATOR.idFromName(t.projectId));
    await runInDurableObject(stub, (_i, state) => state.storage.deleteAlarm());
    await runCron(Date.now());
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).not.toBeNull();
  });
});
