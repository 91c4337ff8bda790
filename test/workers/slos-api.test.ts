import { describe, expect, it } from "vitest";
import { call, createProject, createTenant, expectEnvelope, keyForRole } from "./harness";
import { auditActions, createSlo } from "./slo-helpers";

const slos = (slug: string) => `/api/v1/projects/${slug}/slos`;

describe("SLO API", () => {
  it("creates with defaults, lists, shows, updates and deletes, each audited", async () => {
    const t = await createTenant();
    const created = await createSlo(t, {
      name: "API availability",
      service: "api",
      objective: "availability",
      target: 99.9,
    });
    expect(created).toMatchObject({
      service: "api",
      objective: "availability",
      target: 99.9,
      window_days: 28,
      latency_threshold_ms: null,
      status: null,
      alerting: {
        page: { burn_rate: 14.4, long_window_seconds: 3600, short_window_seconds: 300 },
        ticket: { burn_rate: 6, long_window_seconds: 21600, short_window_seconds: 1800 },
      },
    });
    const latency = await createSlo(t, {
      name: "Fast",
      objective: "latency",
      target: 99,
      latency_threshold_ms: 250,
      window_days: 7,
      alerting: { page: { burn_rate: 10 } },
    });
    expect(latency.service).toBeNull();
    expect(latency.alerting.page).toEqual({
      burn_rate: 10,
      long_window_seconds: 3600,
      short_window_seconds: 300,
    });
    const list = await call("GET", slos(t.slug), { key: t.adminKey });
    expect(list.body.items.map((s: { name: string }) => s.name)).toEqual([
      "Fast",
      "API availability",
    ]);
    const shown = await call("GET", `${slos(t.slug)}/${created.id}`, { key: t.adminKey });
    expect(shown.status).toBe(200);
    expect(shown.body.alerts).toEqual([]);
    const patched = await call("PATCH", `${slos(t.slug)}/${created.id}`, {
      key: t.adminKey,
      body: { target: 99.5, alerting: { ticket: { burn_rate: 3 } } },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.target).toBe(99.5);
    expect(patched.body.alerting.ticket.burn_rate).toBe(3);
    expect(patched.body.alerting.page.burn_rate).toBe(14.4);
    const deleted = await call("DELETE", `${slos(t.slug)}/${created.id}`, { key: t.adminKey });
    expect(deleted.status).toBe(204);
    expectEnvelope(
      await call("GET", `${slos(t.slug)}/${created.id}`, { key: t.adminKey }),
      404,
      "NOT_FOUND",
    );
    expect(await auditActions(t.projectId, "slo.")).toEqual([
      "slo.created",
      "slo.created",
      "slo.updated",
      "slo.deleted",
    ]);
  });

  it("rejects a target outside (0, 100) and every other problem at once, creating nothing", async () => {
    const t = await createTenant();
    for (const target of [0, 100, 150, -1]) {
      const res = await call("POST", slos(t.slug), {
        key: t.adminKey,
        body: { name: `t${target}`, objective: "availability", target },
      });
      const error = expectEnvelope(res, 400, "BAD_REQUEST");
      expect(error.details?.map((d) => d.path)).toEqual(["target"]);
    }
    const many = await call("POST", slos(t.slug), {
      key: t.adminKey,
      body: {
        name: "bad",
        objective: "latency",
        target: 100,
        latency_threshold_ms: 300,
        window_days: 90,
        alerting: { page: { burn_rate: 0, short_window_seconds: 7200 } },
      },
    });
    const error = expectEnvelope(many, 400, "BAD_REQUEST");
    expect(error.details?.map((d) => d.path).sort()).toEqual([
      "alerting.page.burn_rate",
      "alerting.page.short_window_seconds",
      "latency_threshold_ms",
      "target",
      "window_days",
    ]);
    const schema = await call("POST", slos(t.slug), {
      key: t.adminKey,
      body: { name: "", objective: "speed", target: "high" },
    });
    expect(expectEnvelope(schema, 400, "BAD_REQUEST").details?.length).toBe(3);
    const list = await call("GET", slos(t.slug), { key: t.adminKey });
    expect(list.body.items).toEqual([]);
    expect(await auditActions(t.projectId, "slo.")).toEqual([]);
  });

  it("refuses a bad update and a duplicate name, leaving the SLO unchanged", async () => {
    const t = await createTenant();
    const a = await createSlo(t, { name: "a", objective: "availability", target: 99 });
    await createSlo(t, { name: "b", objective: "availability", target: 99 });
    const bad = await call("PATCH", `${slos(t.slug)}/${a.id}`, {
      key: t.adminKey,
      body: { target: 100.5 },
    });
    expectEnvelope(bad, 400, "BAD_REQUEST");
    const dup = await call("PATCH", `${slos(t.slug)}/${a.id}`, {
      key: t.adminKey,
      body: { name: "b" },
    });
    expectEnvelope(dup, 409, "CONFLICT");
    const dupCreate = await call("POST", slos(t.slug), {
      key: t.adminKey,
      body: { name: "a", objective: "availability", target: 90 },
    });
    expectEnvelope(dupCreate, 409, "CONFLICT");
    const shown = await call("GET", `${slos(t.slug)}/${a.id}`, { key: t.adminKey });
    expect(shown.body).toMatchObject({ name: "a", target: 99 });
  });

  it("needs projects:write to change, projects:read to see, and stays inside its project", async () => {
    const t = await createTenant();
    const a = await createSlo(t, { name: "a", objective: "availability", target: 99 });
    const reader = await keyForRole(t.orgId, "reader");
    expect((await call("GET", slos(t.slug), { key: reader })).status).toBe(200);
    expectEnvelope(
      await call("POST", slos(t.slug), {
        key: reader,
        body: { name: "x", objective: "availability", target: 99 },
      }),
      403,
      "FORBIDDEN",
    );
    expectEnvelope(
      await call("DELETE", `${slos(t.slug)}/${a.id}`, { key: reader }),
      403,
      "FORBIDDEN",
    );
    expectEnvelope(await call("GET", slos(t.slug)), 401, "UNAUTHORIZED");
    // Another project of the same org does not see it by id.
    const other = await createProject(t.orgId);
    expectEnvelope(
      await call("GET", `${slos(other.slug)}/${a.id}`, { key: t.adminKey }),
      404,
      "NOT_FOUND",
    );
    // Another org's key does not reach the project at all.
    const stranger = await createTenant();
    const res = await call("GET", slos(t.slug), { key: stranger.adminKey });
    expect([403, 404]).toContain(res.status);
  });
});
