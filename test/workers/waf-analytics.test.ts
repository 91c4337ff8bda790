/**
 * WAF analytics and telemetry-driven alerts: counters sent through the real node telemetry
 * route and flushed by the project's aggregator; baselines and anomalies by the cron.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { HOUR_MS, hourOfWeek } from "../../src/domain/waf/baseline";
import { createRule, evaluate, eventsOf } from "./alerts-helpers";
import { runCron } from "./cron-helpers";
import { registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope, keyForRole, type Tenant } from "./harness";
import { aggregator, histogramAt, sendTelemetry } from "./telemetry-helpers";

const WEEK_MS = 168 * HOUR_MS;

async function feed(t: Tenant) {
  const node = await registerNode(t);
  const sent = await sendTelemetry(node, {
    services: [
      { service: "api", requests: 1000, errors_5xx: 100, latency_buckets: histogramAt(1000, 5) },
      { service: "web", requests: 1000, errors_5xx: 0, latency_buckets: histogramAt(1000, 2) },
    ],
    waf: [
      { rule_id: "942100", service: "api", blocked: 40, challenged: 2 },
      { rule_id: "941100", service: "web", blocked: 7 },
    ],
  });
  expect(sent.status).toBe(200);
  expect(sent.body.counted).toBe(true);
  await aggregator(t.projectId).flush();
  return node;
}

describe("WAF analytics routes", () => {
  it("ranks rules, draws blocks over time and filters by service", async () => {
    const t = await createTenant();
    await feed(t);
    const top = await call("GET", `/api/v1/projects/${t.slug}/waf/top-rules`, { key: t.adminKey });
    expect(top.status).toBe(200);
    expect(top.body).toMatchObject({
      resolution: "minute",
      items: [
        { rule_id: "942100", blocked: 40, challenged: 2 },
        { rule_id: "941100", blocked: 7, challenged: 0 },
      ],
    });
    const web = await call("GET", `/api/v1/projects/${t.slug}/waf/top-rules?service=web`, {
      key: t.adminKey,
    });
    expect(web.body.items).toEqual([{ rule_id: "941100", blocked: 7, challenged: 0 }]);
    const series = await call("GET", `/api/v1/projects/${t.slug}/waf/blocks?step=60`, {
      key: t.adminKey,
    });
    expect(series.status).toBe(200);
    const total = series.body.points.reduce(
      (n: number, p: { blocked: number }) => n + p.blocked,
      0,
    );
    expect(total).toBe(47);
    const one = await call("GET", `/api/v1/projects/${t.slug}/waf/blocks?rule_id=941100`, {
      key: t.adminKey,
    });
    expect(one.body.points.map((p: { blocked: number }) => p.blocked)).toEqual([7]);
  });

  it("breaks blocks down per node", async () => {
    const t = await createTenant();
    const a = await registerNode(t, { name: "edge-a" });
    const b = await registerNode(t, { name: "edge-b" });
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
    await env.DB.batch(
      [
        [a.nodeId, 5],
        [b.nodeId, 50],
      ].map(([id, n]) =>
        env.DB.prepare(
          "INSERT INTO waf_node_hours (project_id, node_id, bucket_start, blocked, challenged) VALUES (?,?,?,?,0)",
        ).bind(t.projectId, id, hour, n),
      ),
    );
    const res = await call("GET", `/api/v1/projects/${t.slug}/waf/nodes`, { key: t.adminKey });
    expect(res.body.items).toEqual([
      { node_id: b.nodeId, node_name: "edge-b", blocked: 50, challenged: 0 },
      { node_id: a.nodeId, node_name: "edge-a", blocked: 5, challenged: 0 },
    ]);
  });

  it("refuses empty ranges, too many points and steps finer than the data", async () => {
    const t = await createTenant();
    const base = `/api/v1/projects/${t.slug}/waf`;
    const now = Date.now();
    const inverted = expectEnvelope(
      await call(
        "GET",
        `${base}/blocks?from=${new Date(now).toISOString()}&to=${new Date(now - 1000).toISOString()}`,
        { key: t.adminKey },
      ),
      400,
      "BAD_REQUEST",
    );
    expect(inverted.details?.map((d) => d.path).sort()).toEqual(["from", "to"]);
    const longAgo = new Date(now - 30 * 86_400_000).toISOString();
    const fine = expectEnvelope(
      await call("GET", `${base}/blocks?from=${longAgo}&step=60`, { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
    expect(fine.details?.[0]?.path).toBe("step");
    // Day rollups are kept for any range; 36 years of days is over 10,000 points.
    const many = expectEnvelope(
      await call("GET", `${base}/blocks?from=1990-01-01T00:00:00Z&step=86400`, { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
    expect(many.details?.[0]?.message).toMatch(/at most 10000/);
    expectEnvelope(
      await call("GET", `${base}/blocks?step=5`, { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
    expectEnvelope(
      await call("GET", `${base}/top-rules?from=yesterday`, { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
  });

  it("is readable by readers and private to the project", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await feed(a);
    const reader = await keyForRole(a.orgId, "reader");
    expect(
      (await call("GET", `/api/v1/projects/${a.slug}/waf/top-rules`, { key: reader })).status,
    ).toBe(200);
    expectEnvelope(
      await call("GET", `/api/v1/projects/${a.slug}/waf/top-rules`, { key: b.adminKey }),
      404,
      "NOT_FOUND",
    );
    const own = await call("GET", `/api/v1/projects/${b.slug}/waf/top-rules`, { key: b.adminKey });
    expect(own.body.items).toEqual([]);
  });
});

describe("telemetry-driven alert rules", () => {
  it("fires on a service's error rate and p99 from the minute rollups, not other services'", async () => {
    const t = await createTenant();
    await feed(t);
    const api = await createRule(t, {
      name: "api errors",
      metric: "error_rate",
      service: "api",
      comparator: ">",
      threshold: 5,
    });
    const web = await createRule(t, {
      name: "web errors",
      metric: "error_rate",
      service: "web",
      comparator: ">",
      threshold: 5,
    });
    const p99 = await createRule(t, {
      name: "slow",
      metric: "latency_p99_ms",
      comparator: ">",
      threshold: 200,
    });
    const waf = await createRule(t, { name: "waf", metric: "waf_blocked", threshold: 45 });
    const none = await createRule(t, {
      name: "no certs",
      metric: "cert_expiry_days",
      comparator: "<",
      threshold: 14,
    });
    await evaluate(t);
    const state = async (id: string) =>
      (await call("GET", `/api/v1/projects/${t.slug}/alert-rules/${id}`, { key: t.adminKey })).body;
    expect(await state(api.id)).toMatchObject({ state: "firing", last_value: 10 });
    expect(await state(web.id)).toMatchObject({ state: "inactive", last_value: 0 });
    // Whole project: 1000 requests in 100–250 ms, 1000 in 10–25 ms → p99 in the upper bucket.
    const slow = await state(p99.id);
    expect(slow.state).toBe("firing");
    expect(slow.last_value).toBeGreaterThan(100);
    expect(slow.last_value).toBeLessThanOrEqual(250);
    expect(await state(waf.id)).toMatchObject({ state: "firing", last_value: 47 });
    expect(await state(none.id)).toMatchObject({ state: "inactive", last_value: null });
    const fired = await eventsOf(t.projectId, ["alert.firing"]);
    expect(fired).toHaveLength(3);
  });
});

describe("WAF baselines and anomalies (cron)", () => {
  it("builds hour-of-week baselines, flags a spike once and emits an event", async () => {
    const t = await createTenant();
    // Cron time: a :15 (baseline refresh) then the :30 anomaly run of the same hour.
    const base = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 15 * 60_000;
    const closed = Math.floor((base - 10 * 60_000) / HOUR_MS) * HOUR_MS - HOUR_MS;
    const rows: Array<[number, number]> = [];
    for (let k = 0; k < 4; k++) {
      rows.push([closed - k * WEEK_MS, 100 + k]);
      // The window of the :30 run spans (H+1):30−(H+2):30 ... seed the slots it needs too.
      rows.push([closed + HOUR_MS - k * WEEK_MS - WEEK_MS, 100 + k]);
      rows.push([closed + 2 * HOUR_MS - k * WEEK_MS - WEEK_MS, 100 + k]);
    }
    await env.DB.batch(
      rows.map(([h, n]) =>
        env.DB.prepare(
          "INSERT OR REPLACE INTO waf_hours (project_id, service, rule_id, bucket_start, blocked, challenged) VALUES (?, 'api', '942100', ?, ?, 0)",
        ).bind(t.projectId, h, n),
      ),
    );
    await runCron(base);
    const slot = await env.DB.prepare(
      "SELECT mean, samples FROM waf_baselines WHERE project_id = ? AND rule_id = '942100' AND hour_of_week = ?",
    )
      .bind(t.projectId, hourOfWeek(closed))
      .first<{ mean: number; samples: number }>();
    expect(slot).toEqual({ mean: 101.5, samples: 4 });
    // Baselines for the hours the anomaly window covers (earlier weeks only).
    for (const h of [closed + HOUR_MS, closed + 2 * HOUR_MS]) {
      await env.DB.prepare(
        "INSERT OR REPLACE INTO waf_baselines (project_id, rule_id, hour_of_week, mean, stddev, samples, computed_at) VALUES (?, '942100', ?, 100, 5, 4, ?)",
      )
        .bind(t.projectId, hourOfWeek(h), base)
        .run();
    }
    const at = closed + 2 * HOUR_MS + 30 * 60_000;
    await env.DB.batch(
      Array.from({ length: 60 }, (_, i) =>
        env.DB.prepare(
          "INSERT INTO waf_minutes (project_id, service, rule_id, bucket_start, blocked, challenged) VALUES (?, 'api', '942100', ?, 10, 0)",
        ).bind(t.projectId, at - (i + 1) * 60_000),
      ),
    );
    await runCron(at);
    await runCron(at + 15 * 60_000);
    const anomalies = await call("GET", `/api/v1/projects/${t.slug}/waf/anomalies`, {
      key: t.adminKey,
    });
    expect(anomalies.body.items).toHaveLength(1);
    expect(anomalies.body.items[0]).toMatchObject({
      rule_id: "942100",
      direction: "spike",
      observed: 600,
      expected: 100,
      severity: "critical",
    });
    const events = await eventsOf(t.projectId, ["waf.anomaly_detected"]);
    expect(events).toHaveLength(1);
    expect(events[0]?.severity).toBe("critical");
  });
});
