import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope, keyForRole } from "./harness";
import { startClock } from "./rollout-sim";
import { aggregator, histogramAt, sendTelemetry } from "./telemetry-helpers";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

const url = (slug: string, q: Record<string, string>) =>
  `/api/v1/projects/${slug}/metrics/query?${new URLSearchParams(q)}`;

describe("GET …/metrics/query", () => {
  it("returns a series from the rollups and rejects bad queries with the envelope", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    await sendTelemetry(node, {
      services: [
        { service: "api", requests: 200, errors_5xx: 10, latency_buckets: histogramAt(200) },
      ],
    });
    await aggregator(t.projectId).flush();
    const now = Date.now();
    const from = new Date(now - 10 * 60_000).toISOString();
    const to = new Date(now + 60_000).toISOString();
    const ok = await call("GET", url(t.slug, { metric: "error_rate", service: "api", from, to }), {
      key: t.adminKey,
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.resolution).toBe("minute");
    expect(
      ok.body.points.map((p: [string, number | null]) => p[1]).filter((v: unknown) => v !== null),
    ).toEqual([5]);
    expectEnvelope(
      await call("GET", url(t.slug, { metric: "cpu", from, to }), { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
    expectEnvelope(
      await call("GET", url(t.slug, { metric: "requests", from: to, to: from }), {
        key: t.adminKey,
      }),
      400,
      "BAD_REQUEST",
    );
    const far = new Date(now - 30 * 86_400_000).toISOString();
    const many = await call("GET", url(t.slug, { metric: "requests", from: far, to, step: "60" }), {
      key: t.adminKey,
    });
    expect(expectEnvelope(many, 400, "BAD_REQUEST").details?.[0]?.path).toBe("step");
    const other = await createTenant();
    const foreign = await call("GET", url(t.slug, { metric: "requests", from, to }), {
      key: other.adminKey,
    });
    expect([403, 404]).toContain(foreign.status);
    const reader = await keyForRole(t.orgId, "reader");
    expect(
      (await call("GET", url(t.slug, { metric: "requests", from, to }), { key: reader })).status,
    ).toBe(200);
  });

  it("defaults to the last hour of requests at a step that fits the window", async () => {
    const t = await createTenant();
    const bare = await call("GET", `/api/v1/projects/${t.slug}/metrics/query`, { key: t.adminKey });
    expect(bare.status, bare.text).toBe(200);
    expect(bare.body.metric).toBe("requests");
    expect(bare.body.step_seconds).toBe(60);
    expect(bare.body.points).toHaveLength(61);
    const to = new Date(Date.now()).toISOString();
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const month = await call("GET", url(t.slug, { from, to }), { key: t.adminKey });
    expect(month.status, month.text).toBe(200);
    expect(month.body.step_seconds).toBe(3600);
    expect(month.body.resolution).toBe("hour");
    expect(month.body.points).toHaveLength(721);
  });
});
