import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nodeKeyHeaders, registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope } from "./harness";
import { advance, startClock } from "./rollout-sim";
import { aggregator, histogramAt, rowCount, sendTelemetry, tableSums } from "./telemetry-helpers";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

async function setup() {
  const tenant = await createTenant();
  const node = await registerNode(tenant);
  return { tenant, node };
}

describe("POST /nodes/{id}/telemetry", () => {
  it("aggregates reports of several nodes into one row per service and minute", async () => {
    const { tenant, node } = await setup();
    const other = await registerNode(tenant);
    const start = new Date(Date.now() - 30_000).toISOString();
    const report = {
      interval_start: start,
      services: [
        {
          service: "api",
          requests: 100,
          errors_5xx: 2,
          errors_4xx: 5,
          latency_sum_ms: 3000,
          latency_buckets: histogramAt(100),
        },
        { service: "web", requests: 10, latency_buckets: histogramAt(10, 0) },
      ],
      waf: [{ rule_id: "942100", service: "api", blocked: 3 }],
    };
    const first = await sendTelemetry(node, report);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ status: "ok", counted: true });
    expect((await sendTelemetry(other, report)).body.counted).toBe(true);

    // Nothing reaches D1 until the aggregator flushes (no D1 write per report).
    expect(await rowCount("telemetry_minutes", tenant.projectId)).toBe(0);
    const flushed = await aggregator(tenant.projectId).flush();
    expect(flushed.rows).toBe(3); // api + web + one WAF rule
    expect(await rowCount("telemetry_minutes", tenant.projectId)).toBe(2);
    const api = await tableSums("telemetry_minutes", tenant.projectId, "api");
    expect(api).toMatchObject({ requests: 200, errors_5xx: 4, errors_4xx: 10, reports: 2 });
    expect(api.lat_50).toBe(200);
    const waf = await env.DB.prepare(
      "SELECT rule_id, blocked FROM waf_minutes WHERE project_id = ?",
    )
      .bind(tenant.projectId)
      .all();
    expect(waf.results).toEqual([{ rule_id: "942100", blocked: 6 }]);
  });

  it("never double counts a retried interval, before or after a flush", async () => {
    const { tenant, node } = await setup();
    const report = {
      interval_start: new Date(Date.now() - 30_000).toISOString(),
      services: [{ service: "api", requests: 50, errors_5xx: 1 }],
    };
    expect((await sendTelemetry(node, report)).body.counted).toBe(true);
    const retry = await sendTelemetry(node, report);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ status: "ok", counted: false, reason: "duplicate" });
    await aggregator(tenant.projectId).flush();
    advance(90_000);
    // A retry arriving in a later minute, after the flush, is still recognised.
    expect((await sendTelemetry(node, report)).body.counted).toBe(false);
    await aggregator(tenant.projectId).flush();
    await aggregator(tenant.projectId).flush();
    expect(await tableSums("telemetry_minutes", tenant.projectId)).toMatchObject({
      requests: 50,
      errors_5xx: 1,
      reports: 1,
    });
    // The next interval of the same node counts.
    const next = { ...report, interval_start: new Date(Date.now() - 30_000).toISOString() };
    expect((await sendTelemetry(node, next)).body.counted).toBe(true);
    await aggregator(tenant.projectId).flush();
    expect((await tableSums("telemetry_minutes", tenant.projectId)).requests).toBe(100);
  });

  it("acknowledges but does not count an interval older than the dedupe window", async () => {
    const { tenant, node } = await setup();
    const old = new Date(Date.now() - 3 * 3_600_000).toISOString();
    const res = await sendTelemetry(node, {
      interval_start: old,
      services: [{ service: "api", requests: 5 }],
    });
    expect(res.body).toEqual({ status: "ok", counted: false, reason: "too_old" });
    await aggregator(tenant.projectId).flush();
    expect(await rowCount("telemetry_minutes", tenant.projectId)).toBe(0);
  });

  it("rejects bad reports with every problem listed and counts nothing", async () => {
    const { tenant, node } = await setup();
    const res = await sendTelemetry(node, {
      interval_seconds: 0,
      services: [
        { service: "has space", requests: 1 },
        { service: "api", requests: 10, errors_5xx: 8, errors_4xx: 8 },
        { service: "b", requests: 1, latency_buckets: [1, 2] },
      ],
    });
    const error = expectEnvelope(res, 400, "BAD_REQUEST");
    const paths = (error.details ?? []).map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "interval_seconds",
        "services.0.service",
        "services.1.errors_5xx",
        "services.2.latency_buckets",
      ]),
    );
    const future = await sendTelemetry(node, {
      interval_start: new Date(Date.now() + 3_600_000).toISOString(),
      services: [{ service: "api", requests: 1 }],
    });
    expectEnvelope(future, 400, "BAD_REQUEST");
    await aggregator(tenant.projectId).flush();
    expect(await rowCount("telemetry_minutes", tenant.projectId)).toBe(0);
  });

  it("refuses a body over the telemetry limit (256 KiB) with 413, before parsing it", async () => {
    const { tenant, node } = await setup();
    const body = {
      interval_start: new Date().toISOString(),
      interval_seconds: 30,
      services: [{ service: "api", requests: 1 }],
      padding: "x".repeat(300 * 1024),
    };
    const res = await call("POST", `/api/v1/nodes/${node.nodeId}/telemetry`, {
      headers: nodeKeyHeaders(node.nodeKey),
      body,
    });
    expectEnvelope(res, 413, "PAYLOAD_TOO_LARGE");
    await aggregator(tenant.projectId).flush();
    expect(await rowCount("telemetry_minutes", tenant.projectId)).toBe(0);
  });

  it("needs node credentials of the path's node and writes only into its own project", async () => {
    const { tenant, node } = await setup();
    const other = await createTenant();
    const foreign = await registerNode(other);
    const body = { interval_start: new Date().toISOString(), interval_seconds: 30, services: [] };
    const anonymous = await call("POST", `/api/v1/nodes/${node.nodeId}/telemetry`, { body });
    expectEnvelope(anonymous, 401, "UNAUTHORIZED");
    const operator = await call("POST", `/api/v1/nodes/${node.nodeId}/telemetry`, {
      key: tenant.adminKey,
      body,
    });
    expectEnvelope(operator, 401, "UNAUTHORIZED");
    const crossNode = await sendTelemetry(
      { nodeId: node.nodeId, nodeKey: foreign.nodeKey },
      { services: [{ service: "api", requests: 7 }] },
    );
    expectEnvelope(crossNode, 403, "FORBIDDEN");
    expect(
      (await sendTelemetry(foreign, { services: [{ service: "api", requests: 7 }] })).status,
    ).toBe(200);
    await aggregator(tenant.projectId).flush();
    await aggregator(other.projectId).flush();
    expect(await rowCount("telemetry_minutes", tenant.projectId)).toBe(0);
    expect((await tableSums("telemetry_minutes", other.projectId)).requests).toBe(7);
  });
});
