import { describe, expect, it } from "vitest";
import { NO_BASELINE_REASON } from "../../src/domain/risk";
import { compiled, sampleConfig, submit } from "./bundles-helpers";
import { call, createTenant, expectEnvelope, type Tenant } from "./harness";

function diff(t: Tenant, bundleId: string, against?: string) {
  const qs = against ? `?against=${against}` : "";
  return call("GET", `/api/v1/projects/${t.slug}/bundles/${bundleId}/diff${qs}`, {
    key: t.adminKey,
  });
}

describe("bundles: risk scoring against the previous compiled bundle", () => {
  it("is high with named reasons when a route gains or loses its auth policy", async () => {
    const t = await createTenant();
    const first = await compiled(t, { config: sampleConfig() });
    expect(first).toMatchObject({ risk: "low", risk_reasons: [NO_BASELINE_REASON] });

    const withAuth = await compiled(t, { config: sampleConfig({ auth: true }) });
    expect(withAuth.risk).toBe("high");
    expect(withAuth.risk_reasons).toEqual(["route 'api' gained an auth policy"]);

    const without = await compiled(t, {
      config: sampleConfig({ routePrefix: "/v2", upstreams: ["backend", "legacy"] }),
    });
    expect(without.risk).toBe("high");
    expect(without.risk_reasons).toEqual(["route 'api' lost its auth policy"]);

    const removed = await compiled(t, { config: sampleConfig({ routePrefix: "/v3" }) });
    expect(removed).toMatchObject({ risk: "medium", risk_reasons: ["upstream 'legacy' removed"] });

    const events = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=bundle.compiled`,
      {
        key: t.adminKey,
      },
    );
    expect(events.body.items[0].diff.after).toMatchObject({
      risk: "medium",
      risk_reasons: ["upstream 'legacy' removed"],
    });
  });
});

describe("bundles: diff", () => {
  it("diffs against the previous compiled bundle by default: unified text and structure", async () => {
    const t = await createTenant();
    const first = await compiled(t, { config: sampleConfig() });
    const second = await compiled(t, {
      config: sampleConfig({ auth: true, upstreams: ["backend", "extra"] }),
    });
    const res = await diff(t, second.bundle_id);
    expect(res.status, res.text).toBe(200);
    expect(res.body.bundle_id).toBe(second.bundle_id);
    expect(res.body.against).toBe(first.bundle_id);
    expect(res.body.unified).toContain("--- a/zentinel.kdl\n+++ b/zentinel.kdl\n");
    expect(res.body.unified).toContain('+        filters "auth"\n');
    expect(res.body.files).toEqual([
      { path: "zentinel.kdl", status: "modified", added: 4, removed: 0 },
    ]);
    expect(res.body.summary.routes).toEqual({
      added: [],
      removed: [],
      changed: [{ id: "api", fields: ["filters", "agents", "policies"] }],
    });
    expect(res.body.summary.upstreams).toEqual({ added: ["extra"], removed: [], changed: [] });
    expect(res.body.summary.globals).toEqual([]);

    const reverse = await diff(t, first.bundle_id, second.bundle_id);
    expect(reverse.body.against).toBe(second.bundle_id);
    expect(reverse.body.summary.upstreams).toEqual({ added: [], removed: ["extra"], changed: [] });
    expect(reverse.body.unified).toContain('-        filters "auth"\n');
  });

  it("diffs the first bundle against nothing, and a pending one against the last compiled", async () => {
    const t = await createTenant();
    const first = await compiled(t, { config: sampleConfig() });
    const res = await diff(t, first.bundle_id);
    expect(res.body.against).toBeNull();
    expect(res.body.files).toEqual([
      expect.objectContaining({ path: "zentinel.kdl", status: "added", removed: 0 }),
    ]);
    expect(res.body.summary.routes.added).toEqual(["api"]);

    const pending = await submit(t, { config: sampleConfig({ routePrefix: "/new" }) });
    const next = await diff(t, pending.body.bundle_id);
    expect(next.body.against).toBe(first.bundle_id);
    expect(next.body.summary.routes.changed).toEqual([{ id: "api", fields: ["matches"] }]);
  });

  it("404s an `against` bundle of another project and 400s a malformed one", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const mine = await submit(t, { config: sampleConfig() });
    const theirs = await submit(other, { config: sampleConfig() });
    expectEnvelope(await diff(t, mine.body.bundle_id, theirs.body.bundle_id), 404, "NOT_FOUND");
    expectEnvelope(await diff(t, mine.body.bundle_id, "xyz"), 400, "BAD_REQUEST");
  });
});
