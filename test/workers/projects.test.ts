import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  call,
  createApiKey,
  createProject,
  createTenant,
  expectEnvelope,
  keyForRole,
} from "./harness";

describe("projects: happy path", () => {
  it("creates, lists and shows a project, and audits the creation", async () => {
    const t = await createTenant();
    const created = await call("POST", "/api/v1/projects", {
      key: t.adminKey,
      body: { name: "Edge EU", slug: `eu-${t.slug}` },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ name: "Edge EU", slug: `eu-${t.slug}`, org_id: t.orgId });

    const shown = await call("GET", `/api/v1/projects/eu-${t.slug}`, { key: t.adminKey });
    expect(shown.status).toBe(200);
    expect(shown.body.id).toBe(created.body.id);

    const listed = await call("GET", "/api/v1/projects", { key: t.adminKey });
    expect(listed.body.items.map((p: { slug: string }) => p.slug)).toEqual(
      expect.arrayContaining([t.slug, `eu-${t.slug}`]),
    );

    const audit = await call("GET", `/api/v1/projects/eu-${t.slug}/audit-logs`, {
      key: t.adminKey,
    });
    expect(audit.status).toBe(200);
    expect(audit.body.items[0]).toMatchObject({
      action: "project.created",
      actor_type: "api_key",
      seq: 1,
    });
    expect(audit.body.items[0].request_id).toBe(created.headers.get("x-request-id"));
  });

  it("paginates with limit and cursor without repeats", async () => {
    const t = await createTenant();
    for (let i = 0; i < 4; i++) {
      await createProject(t.orgId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await call("GET", `/api/v1/projects${qs}`, { key: t.adminKey });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((p: { id: string }) => p.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });
});

describe("projects: errors", () => {
  it("reports all three schema problems in one 400", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await call("POST", "/api/v1/projects", {
        key: t.adminKey,
        body: { name: "", slug: "Bad Slug!", org: 42 },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["name", "org", "slug"]);
  });

  it("answers malformed JSON with 400", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await call("POST", "/api/v1/projects", { key: t.adminKey, rawBody: "{nope" }),
      400,
      "BAD_REQUEST",
    );
    expect(err.message).toMatch(/Malformed JSON/);
  });

  it("refuses a taken slug with 409 and leaves the original unchanged", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await call("POST", "/api/v1/projects", {
        key: t.adminKey,
        body: { name: "Other", slug: t.slug },
      }),
      409,
      "CONFLICT",
    );
    expect(err.details?.[0]?.path).toBe("slug");
    const row = await env.DB.prepare("SELECT name FROM projects WHERE slug = ?")
      .bind(t.slug)
      .first<{ name: string }>();
    expect(row?.name).toBe(`Project ${t.slug}`);
  });

  it("rejects a bad cursor with 400", async () => {
    const t = await createTenant();
    expectEnvelope(
      await call("GET", "/api/v1/projects?cursor=garbage", { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
  });

  it("404s an unknown project", async () => {
    const t = await createTenant();
    expectEnvelope(
      await call("GET", "/api/v1/projects/does-not-exist", { key: t.adminKey }),
      404,
      "NOT_FOUND",
    );
  });
});

describe("projects: security", () => {
  it("401s without credentials, with a bad key, a revoked key and an expired key", async () => {
    const t = await createTenant();
    const revoked = await createApiKey({
      orgId: t.orgId,
      scopes: ["projects:read"],
      revokedAt: Date.now() - 1000,
    });
    const expired = await createApiKey({
      orgId: t.orgId,
      scopes: ["projects:read"],
      expiresAt: Date.now() - 1000,
    });
    expectEnvelope(await call("GET", "/api/v1/projects"), 401, "UNAUTHORIZED");
    expectEnvelope(
      await call("GET", "/api/v1/projects", { key: "zcp_not-a-real-key" }),
      401,
      "UNAUTHORIZED",
    );
    expectEnvelope(
      await call("GET", "/api/v1/projects", { headers: { authorization: "Basic abc" } }),
      401,
      "UNAUTHORIZED",
    );
    expect(
      expectEnvelope(await call("GET", "/api/v1/projects", { key: revoked }), 401, "UNAUTHORIZED")
        .message,
    ).toMatch(/revoked/);
    expect(
      expectEnvelope(await call("GET", "/api/v1/projects", { key: expired }), 401, "UNAUTHORIZED")
        .message,
    ).toMatch(/expired/);
  });

  it("hides another tenant's project (404) and never lists it", async () => {
    const a = await createTenant();
    const b = await createTenant();
    expectEnvelope(
      await call("GET", `/api/v1/projects/${b.slug}`, { key: a.adminKey }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(
      await call("GET", `/api/v1/projects/${b.slug}/audit-logs`, { key: a.adminKey }),
      404,
      "NOT_FOUND",
    );
    const listed = await call("GET", "/api/v1/projects", { key: a.adminKey });
    expect(listed.body.items.map((p: { slug: string }) => p.slug)).not.toContain(b.slug);
  });

  it("limits a project-scoped key to its project", async () => {
    const t = await createTenant();
    const other = await createProject(t.orgId);
    const key = await createApiKey({
      orgId: t.orgId,
      scopes: ["projects:read", "projects:write"],
      projectId: t.projectId,
    });
    expect((await call("GET", `/api/v1/projects/${t.slug}`, { key })).status).toBe(200);
    expectEnvelope(await call("GET", `/api/v1/projects/${other.slug}`, { key }), 404, "NOT_FOUND");
    const listed = await call("GET", "/api/v1/projects", { key });
    expect(listed.body.items.map((p: { slug: string }) => p.slug)).toEqual([t.slug]);
    expectEnvelope(
      await call("POST", "/api/v1/projects", { key, body: { name: "x", slug: `x-${t.slug}` } }),
      403,
      "FORBIDDEN",
    );
  });

  it("requires projects:write to create and audit:read to read the audit log (403)", async () => {
    const t = await createTenant();
    const reader = await keyForRole(t.orgId, "reader");
    const noAudit = await createApiKey({ orgId: t.orgId, scopes: ["projects:read"] });
    expectEnvelope(
      await call("POST", "/api/v1/projects", {
        key: reader,
        body: { name: "x", slug: `r-${t.slug}` },
      }),
      403,
      "FORBIDDEN",
    );
    expect((await call("GET", `/api/v1/projects/${t.slug}`, { key: reader })).status).toBe(200);
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/audit-logs`, { key: noAudit }),
      403,
      "FORBIDDEN",
    );
  });
});

describe("audit chain", () => {
  it("verifies a clean chain and names the first entry edited in D1", async () => {
    const t = await createTenant();
    const slug = `audit-${t.slug}`;
    await call("POST", "/api/v1/projects", { key: t.adminKey, body: { name: "Audited", slug } });
    const clean = await call("GET", `/api/v1/projects/${slug}/audit-logs/verify`, {
      key: t.adminKey,
    });
    expect(clean.body).toMatchObject({ valid: true, checked: 1, first_invalid_id: null });

    const entry = await call("GET", `/api/v1/projects/${slug}/audit-logs`, { key: t.adminKey });
    const id = entry.body.items[0].id as string;
    await env.DB.prepare("UPDATE audit_logs SET action = 'project.deleted' WHERE id = ?")
      .bind(id)
      .run();
    const tampered = await call("GET", `/api/v1/projects/${slug}/audit-logs/verify`, {
      key: t.adminKey,
    });
    expect(tampered.body).toMatchObject({ valid: false, first_invalid_id: id });
  });
});
