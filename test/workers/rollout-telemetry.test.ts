/** GET …/rollouts/{id}/telemetry: updated vs not-yet-updated nodes from real node telemetry. */
import { describe, expect, it } from "vitest";
import { insertRollout } from "./cron-helpers";
import { registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope, keyForRole } from "./harness";
import { aggregator, histogramAt, sendTelemetry } from "./telemetry-helpers";

const NEW = "a".repeat(64);
const OLD = "b".repeat(64);

describe("rollout telemetry", () => {
  it("splits error rate and p99 by the bundle the nodes reported", async () => {
    const t = await createTenant();
    const rollout = await insertRollout(t.projectId, NEW, { state: "running" });
    const updated = await registerNode(t);
    const old = await registerNode(t);
    await sendTelemetry(updated, {
      bundle_id: NEW,
      services: [
        { service: "api", requests: 200, errors_5xx: 10, latency_buckets: histogramAt(200, 6) },
      ],
    });
    await sendTelemetry(old, {
      bundle_id: OLD,
      services: [
        { service: "api", requests: 800, errors_5xx: 0, latency_buckets: histogramAt(800, 2) },
      ],
    });
    await aggregator(t.projectId).flush();
    const res = await call("GET", `/api/v1/projects/${t.slug}/rollouts/${rollout}/telemetry`, {
      key: t.adminKey,
    });
    expect(res.status).toBe(200);
    expect(res.body.bundle_id).toBe(NEW);
    expect(res.body.updated).toHaveLength(1);
    expect(res.body.updated[0]).toMatchObject({ requests: 200, error_rate: 5 });
    expect(res.body.updated[0].latency_p99_ms).toBeGreaterThan(250);
    expect(res.body.not_updated[0]).toMatchObject({ requests: 800, error_rate: 0 });
    expect(res.body.not_updated[0].latency_p99_ms).toBeLessThanOrEqual(25);
  });

  it("needs rollouts:read, stays in its project and validates the step", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const rollout = await insertRollout(a.projectId, NEW, { state: "running" });
    const path = `/api/v1/projects/${a.slug}/rollouts/${rollout}/telemetry`;
    expect((await call("GET", path, { key: await keyForRole(a.orgId, "reader") })).status).toBe(
      200,
    );
    expectEnvelope(await call("GET", path, { key: b.adminKey }), 404, "NOT_FOUND");
    expectEnvelope(
      await call("GET", `/api/v1/projects/${b.slug}/rollouts/${rollout}/telemetry`, {
        key: b.adminKey,
      }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(await call("GET", `${path}?step=1`, { key: a.adminKey }), 400, "BAD_REQUEST");
    expectEnvelope(await call("GET", path), 401, "UNAUTHORIZED");
  });
});
