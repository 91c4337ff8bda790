import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTenant, expectEnvelope, keyForRole } from "./harness";

const base = (slug: string) => `/api/v1/projects/${slug}/environments`;

async function create(t: { slug: string; adminKey: string }, body: Record<string, unknown>) {
  const res = await call("POST", base(t.slug), { key: t.adminKey, body });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; name: string; ordinal: number };
}

describe("environments: happy path", () => {
  it("creates dev → staging → production in order with defaults, and lists them in order", async () => {
    const t = await createTenant();
    const prod = await create(t, {
      name: "production",
      ordinal: 2,
      selector: { type: "labels", labels: { env: "prod" } },
      approvals_required: 2,
    });
    const dev = await create(t, { name: "dev", ordinal: 0, selector: { type: "all" } });
    const staging = await create(t, {
      name: "staging",
      ordinal: 1,
      selector: { type: "labels", labels: { env: "staging", region: "eu" } },
    });
    expect(dev).toMatchObject({ ordinal: 0, approvals_required: 0, selector: { type: "all" } });
    expect(prod).toMatchObject({ approvals_required: 2 });
    const appended = await create(t, { name: "canary", selector: { type: "all" } });
    expect(appended.ordinal).toBe(3);

    const listed = await call("GET", base(t.slug), { key: t.adminKey });
    expect(listed.body.items.map((e: { name: string }) => e.name)).toEqual([
      "dev",
      "staging",
      "production",
      "canary",
    ]);
    const shown = await call("GET", `${base(t.slug)}/${staging.id}`, { key: t.adminKey });
    expect(shown.body).toEqual(staging);
  });

  it("pages through environments in order without repeats", async () => {
    const t = await createTenant();
    for (const [name, ordinal] of [
      ["a", 1],
      ["b", 1],
      ["c", 0],
      ["d", 2],
      ["e", 1],
    ] as const) {
      await create(t, { name, ordinal, selector: { type: "all" } });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await call("GET", `${base(t.slug)}${qs}`, { key: t.adminKey });
      seen.push(...page.body.items.map((e: { name: string }) => e.name));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["c", "a", "b", "e", "d"]);
  });

  it("updates and deletes, auditing both", async () => {
    const t = await createTenant();
    const e = await create(t, { name: "staging", selector: { type: "all" } });
    const updated = await call("PATCH", `${base(t.slug)}/${e.id}`, {
      key: t.adminKey,
      body: { approvals_required: 1, selector: { type: "labels", labels: { env: "stg" } } },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body).toMatchObject({
      name: "staging",
      approvals_required: 1,
      selector: { type: "labels", labels: { env: "stg" } },
    });
    expect((await call("DELETE", `${base(t.slug)}/${e.id}`, { key: t.adminKey })).status).toBe(204);
    const audit = await call("GET", `/api/v1/projects/${t.slug}/audit-logs`, { key: t.adminKey });
    expect(audit.body.items.map((x: { action: string }) => x.action)).toEqual([
      "environment.deleted",
      "environment.updated",
      "environment.created",
    ]);
    expect(audit.body.items[1].diff).toMatchObject({
      before: { approvals_required: 0 },
      after: { approvals_required: 1 },
    });
  });
});

describe("environments: errors", () => {
  it("lists every problem in one 400 and stores nothing", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await call("POST", base(t.slug), {
        key: t.adminKey,
        body: {
          name: "Prod!",
          ordinal: -1,
          selector: { type: "labels", labels: {} },
          approvals_required: 99,
        },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual([
      "approvals_required",
      "name",
      "ordinal",
      "selector.labels",
    ]);
    expectEnvelope(
      await call("POST", base(t.slug), {
        key: t.adminKey,
        body: { name: "x", selector: { type: "node_ids", node_ids: [] } },
      }),
      400,
      "BAD_REQUEST",
    );
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM environments WHERE project_id = ?")
      .bind(t.projectId)
      .first<{ n: number }>();
    expect(n?.n).toBe(0);
  });

  it("refuses duplicate names on create and rename (409), leaving rows unchanged", async () => {
    const t = await createTenant();
    await create(t, { name: "dev", selector: { type: "all" } });
    const staging = await create(t, { name: "staging", selector: { type: "all" } });
    expectEnvelope(
      await call("POST", base(t.slug), {
        key: t.adminKey,
        body: { name: "dev", selector: { type: "all" } },
      }),
      409,
      "CONFLICT",
    );
    expectEnvelope(
      await call("PATCH", `${base(t.slug)}/${staging.id}`, {
        key: t.adminKey,
        body: { name: "dev" },
      }),
      409,
      "CONFLICT",
    );
    const shown = await call("GET", `${base(t.slug)}/${staging.id}`, { key: t.adminKey });
    expect(shown.body.name).toBe("staging");
  });

  it("404s unknown environments and 400s an empty patch", async () => {
    const t = await createTenant();
    const id = crypto.randomUUID();
    expectEnvelope(
      await call("GET", `${base(t.slug)}/${id}`, { key: t.adminKey }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(
      await call("PATCH", `${base(t.slug)}/${id}`, { key: t.adminKey, body: { ordinal: 1 } }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(
      await call("DELETE", `${base(t.slug)}/${id}`, { key: t.adminKey }),
      404,
      "NOT_FOUND",
    );
    const e = await create(t, { name: "dev", selector: { type: "all" } });
    expectEnvelope(
      await call("PATCH", `${base(t.slug)}/${e.id}`, { key: t.adminKey, body: {} }),
      400,
      "BAD_REQUEST",
    );
  });
});

describe("environments: security", () => {
  it("needs projects:write to change (403 for operators) and hides other tenants (404)", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const e = await create(t, { name: "dev", selector: { type: "all" } });
    const operator = await keyForRole(t.orgId, "operator");
    expectEnvelope(
      await call("POST", base(t.slug), {
        key: operator,
        body: { name: "x", selector: { type: "all" } },
      }),
      403,
      "FORBIDDEN",
    );
    expect((await call("GET", base(t.slug), { key: operator })).status).toBe(200);
    expectEnvelope(await call("GET", base(t.slug), { key: other.adminKey }), 404, "NOT_FOUND");
    // Another tenant's environment id under the caller's own project is not found either.
    expectEnvelope(
      await call("DELETE", `${base(other.slug)}/${e.id}`, { key: other.adminKey }),
      404,
      "NOT_FOUND",
    );
    expect((await call("GET", `${base(t.slug)}/${e.id}`, { key: t.adminKey })).status).toBe(200);
    expectEnvelope(await call("GET", base(t.slug)), 401, "UNAUTHORIZED");
  });
});
