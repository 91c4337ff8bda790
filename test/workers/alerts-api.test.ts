/** Alert rule and silence routes: happy path, every bad input, roles and tenant isolation. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createRule } from "./alerts-helpers";
import { call, createTenant, expectEnvelope, keyForRole } from "./harness";

const inOneHour = () => new Date(Date.now() + 3_600_000).toISOString();

async function ruleCount(projectId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM alert_rules WHERE project_id = ?")
    .bind(projectId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("alert rules API", () => {
  it("creates, lists, gets, updates and deletes a rule, auditing each change", async () => {
    const t = await createTenant();
    const base = `/api/v1/projects/${t.slug}/alert-rules`;
    const created = await call("POST", base, {
      key: t.adminKey,
      body: {
        name: "edge offline",
        metric: "nodes_offline",
        comparator: ">=",
        threshold: 2,
        for_seconds: 120,
        severity: "critical",
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "edge offline",
      metric: "nodes_offline",
      unit: "nodes",
      window_seconds: 300,
      for_seconds: 120,
      enabled: true,
      state: "inactive",
      service: null,
    });
    const id = created.body.id;
    const list = await call("GET", base, { key: t.adminKey });
    expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([id]);
    const patched = await call("PATCH", `${base}/${id}`, {
      key: t.adminKey,
      body: { threshold: 3, description: "two racks" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      threshold: 3,
      description: "two racks",
      for_seconds: 120,
    });
    expect((await call("GET", `${base}/${id}`, { key: t.adminKey })).body.threshold).toBe(3);
    expect((await call("DELETE", `${base}/${id}`, { key: t.adminKey })).status).toBe(204);
    expectEnvelope(await call("GET", `${base}/${id}`, { key: t.adminKey }), 404, "NOT_FOUND");
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_logs WHERE project_id = ? AND resource_type = 'alert_rule' ORDER BY seq",
    )
      .bind(t.projectId)
      .all<{ action: string }>();
    expect(audit.results.map((a) => a.action)).toEqual([
      "alert_rule.created",
      "alert_rule.updated",
      "alert_rule.deleted",
    ]);
  });

  it("reports every problem of a bad rule and stores nothing", async () => {
    const t = await createTenant();
    const res = await call("POST", `/api/v1/projects/${t.slug}/alert-rules`, {
      key: t.adminKey,
      body: {
        name: "",
        metric: "cpu_magic",
        comparator: "==",
        threshold: "high",
        window_seconds: 5,
        for_seconds: -1,
        severity: "loud",
      },
    });
    const err = expectEnvelope(res, 400, "BAD_REQUEST");
    const paths = (err.details ?? []).map((d) => d.path).sort();
    expect(paths).toEqual(
      [
        "comparator",
        "for_seconds",
        "metric",
        "name",
        "severity",
        "threshold",
        "window_seconds",
      ].sort(),
    );
    expect(await ruleCount(t.projectId)).toBe(0);
  });

  it("refuses a duplicate name (409) on create and on rename", async () => {
    const t = await createTenant();
    await createRule(t, { name: "one" });
    const two = await createRule(t, { name: "two" });
    expectEnvelope(
      await call("POST", `/api/v1/projects/${t.slug}/alert-rules`, {
        key: t.adminKey,
        body: { name: "one", metric: "nodes_offline", comparator: ">", threshold: 0 },
      }),
      409,
      "CONFLICT",
    );
    expectEnvelope(
      await call("PATCH", `/api/v1/projects/${t.slug}/alert-rules/${two.id}`, {
        key: t.adminKey,
        body: { name: "one" },
      }),
      409,
      "CONFLICT",
    );
    expect(await ruleCount(t.projectId)).toBe(2);
  });

  it("lets readers read and refuses their writes; operators cannot change alerting config", async () => {
    const t = await createTenant();
    const rule = await createRule(t, { name: "r" });
    const reader = await keyForRole(t.orgId, "reader");
    const operator = await keyForRole(t.orgId, "operator");
    const base = `/api/v1/projects/${t.slug}/alert-rules`;
    expect((await call("GET", base, { key: reader })).status).toBe(200);
    expect(
      (await call("GET", `/api/v1/projects/${t.slug}/alert-history`, { key: reader })).status,
    ).toBe(200);
    for (const key of [reader, operator]) {
      expectEnvelope(
        await call("POST", base, {
          key,
          body: { name: "x", metric: "nodes_offline", comparator: ">", threshold: 0 },
        }),
        403,
        "FORBIDDEN",
      );
      expectEnvelope(await call("DELETE", `${base}/${rule.id}`, { key }), 403, "FORBIDDEN");
      expectEnvelope(
        await call("POST", `/api/v1/projects/${t.slug}/alert-silences`, {
          key,
          body: { ends_at: inOneHour() },
        }),
        403,
        "FORBIDDEN",
      );
    }
    expect(await ruleCount(t.projectId)).toBe(1);
  });

  it("keeps rules inside their project", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const rule = await createRule(a, { name: "private" });
    // b's admin key is for b's org: a's project is invisible to it.
    expectEnvelope(
      await call("GET", `/api/v1/projects/${a.slug}/alert-rules/${rule.id}`, { key: b.adminKey }),
      404,
      "NOT_FOUND",
    );
    // The rule id under b's own project is not found either.
    for (const method of ["GET", "PATCH", "DELETE"]) {
      expectEnvelope(
        await call(method, `/api/v1/projects/${b.slug}/alert-rules/${rule.id}`, {
          key: b.adminKey,
          body: method === "PATCH" ? { threshold: 9 } : undefined,
        }),
        404,
        "NOT_FOUND",
      );
    }
    // A silence in b cannot name a's rule.
    const err = expectEnvelope(
      await call("POST", `/api/v1/projects/${b.slug}/alert-silences`, {
        key: b.adminKey,
        body: { rule_id: rule.id, ends_at: inOneHour() },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path)).toEqual(["rule_id"]);
    const stored = await env.DB.prepare("SELECT threshold FROM alert_rules WHERE id = ?")
      .bind(rule.id)
      .first<{ threshold: number }>();
    expect(stored?.threshold).toBe(0);
  });
});

describe("silences API", () => {
  it("creates, lists (active or not) and ends silences", async () => {
    const t = await createTenant();
    const rule = await createRule(t, { name: "s" });
    const base = `/api/v1/projects/${t.slug}/alert-silences`;
    const now = await call("POST", base, {
      key: t.adminKey,
      body: { rule_id: rule.id, ends_at: inOneHour(), reason: "deploy" },
    });
    expect(now.status).toBe(201);
    expect(now.body).toMatchObject({ rule_id: rule.id, active: true, reason: "deploy" });
    const later = await call("POST", base, {
      key: t.adminKey,
      body: {
        starts_at: new Date(Date.now() + 7_200_000).toISOString(),
        ends_at: new Date(Date.now() + 10_800_000).toISOString(),
      },
    });
    expect(later.body).toMatchObject({ rule_id: null, active: false });
    const active = await call("GET", `${base}?active=true`, { key: t.adminKey });
    expect(active.body.items.map((s: { id: string }) => s.id)).toEqual([now.body.id]);
    const inactive = await call("GET", `${base}?active=false`, { key: t.adminKey });
    expect(inactive.body.items.map((s: { id: string }) => s.id)).toEqual([later.body.id]);
    expect((await call("DELETE", `${base}/${now.body.id}`, { key: t.adminKey })).status).toBe(204);
    expectEnvelope(
      await call("DELETE", `${base}/${now.body.id}`, { key: t.adminKey }),
      404,
      "NOT_FOUND",
    );
  });

  it("refuses silences that are over, inverted, too long or malformed", async () => {
    const t = await createTenant();
    const base = `/api/v1/projects/${t.slug}/alert-silences`;
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ ends_at: new Date(Date.now() - 1000).toISOString() }, ["ends_at"]],
      [
        {
          starts_at: new Date(Date.now() + 7_200_000).toISOString(),
          ends_at: inOneHour(),
        },
        ["ends_at"],
      ],
      [
        {
          starts_at: new Date(Date.now()).toISOString(),
          ends_at: new Date(Date.now() + 31 * 86_400_000).toISOString(),
        },
        ["ends_at"],
      ],
      [{ ends_at: "tomorrow", rule_id: "nope" }, ["ends_at", "rule_id"]],
    ];
    for (const [body, paths] of cases) {
      const err = expectEnvelope(
        await call("POST", base, { key: t.adminKey, body }),
        400,
        "BAD_REQUEST",
      );
      expect([...new Set(err.details?.map((d) => d.path))].sort(), JSON.stringify(body)).toEqual(
        paths,
      );
    }
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM alert_silences WHERE project_id = ?")
      .bind(t.projectId)
      .first<{ n: number }>();
    expect(n?.n).toBe(0);
  });
});
