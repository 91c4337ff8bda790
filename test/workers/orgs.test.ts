import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  call,
  createApiKey,
  createTenant,
  createUser,
  expectEnvelope,
  keyForRole,
} from "./harness";
import { asUser, login, signedInUser } from "./sessions";

const orgSlugOf = async (orgId: string) =>
  (await env.DB.prepare("SELECT slug FROM orgs WHERE id = ?").bind(orgId).first<{ slug: string }>())
    ?.slug as string;

const orgActions = async (orgId: string) =>
  (
    await env.DB.prepare("SELECT action FROM audit_logs WHERE chain = ? ORDER BY seq")
      .bind(`org:${orgId}`)
      .all<{ action: string }>()
  ).results.map((r) => r.action);

describe("orgs", () => {
  it("lists a user's orgs with roles, and an API key's own org", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const u = await signedInUser(t.orgId, "operator");
    await env.DB.prepare(
      "INSERT INTO memberships (id, org_id, user_id, role, created_at) VALUES (?,?,?,?,?)",
    )
      .bind(crypto.randomUUID(), other.orgId, u.userId, "reader", Date.now())
      .run();
    const mine = await call("GET", "/api/v1/orgs", asUser(u.session, { csrf: false }));
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.items.map((o: { id: string; role: string }) => [o.id, o.role]).sort()).toEqual(
      [
        [t.orgId, "operator"],
        [other.orgId, "reader"],
      ].sort(),
    );
    const byKey = await call("GET", "/api/v1/orgs", { key: t.adminKey });
    expect(byKey.body.items).toEqual([expect.objectContaining({ id: t.orgId, role: null })]);
    expectEnvelope(await call("GET", "/api/v1/orgs"), 401, "UNAUTHORIZED");
  });

  it("creates an org with the creator as admin, audited in the org chain", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    const slug = `org-${t.slug}`;
    const res = await call(
      "POST",
      "/api/v1/orgs",
      asUser(u.session, { body: { name: "Platform", slug } }),
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ slug, name: "Platform", role: "admin" });
    expect(await orgActions(res.body.id)).toEqual(["org.created"]);
    const members = await call("GET", `/api/v1/orgs/${slug}/members`, asUser(u.session));
    expect(members.body.items).toEqual([
      expect.objectContaining({ user_id: u.userId, role: "admin" }),
    ]);
  });

  it("refuses a taken slug (409, nothing created), bad input (400, all listed) and API keys (403)", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    const taken = await orgSlugOf(t.orgId);
    expectEnvelope(
      await call("POST", "/api/v1/orgs", asUser(u.session, { body: { name: "Dup", slug: taken } })),
      409,
      "CONFLICT",
    );
    const memberships = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM memberships WHERE user_id = ?",
    )
      .bind(u.userId)
      .first<{ n: number }>();
    expect(memberships?.n).toBe(1);
    const err = expectEnvelope(
      await call(
        "POST",
        "/api/v1/orgs",
        asUser(u.session, { body: { name: "", slug: "Bad Slug" } }),
      ),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["name", "slug"]);
    expectEnvelope(
      await call("POST", "/api/v1/orgs", {
        key: t.adminKey,
        body: { name: "K", slug: `k-${t.slug}` },
      }),
      403,
      "FORBIDDEN",
    );
  });
});

describe("org members", () => {
  it("adds an existing user, creates a new account, changes a role and removes — all audited", async () => {
    const t = await createTenant();
    const admin = await signedInUser(t.orgId, "admin");
    const slug = await orgSlugOf(t.orgId);
    const elsewhere = await createUser((await createTenant()).orgId, "reader");
    const added = await call(
      "POST",
      `/api/v1/orgs/${slug}/members`,
      asUser(admin.session, { body: { email: elsewhere.email.toUpperCase(), role: "reader" } }),
    );
    expect(added.status, added.text).toBe(201);
    expect(added.body).toMatchObject({ user_id: elsewhere.userId, role: "reader" });

    const email = `new-${t.slug}@example.com`;
    const created = await call(
      "POST",
      `/api/v1/orgs/${slug}/members`,
      asUser(admin.session, {
        body: { email, role: "operator", password: "a sufficiently long one", name: "New" },
      }),
    );
    expect(created.status, created.text).toBe(201);
    const newcomer = await login(email, "a sufficiently long one");
    expect((await call("GET", `/api/v1/projects/${t.slug}`, asUser(newcomer))).status).toBe(200);

    const patched = await call(
      "PATCH",
      `/api/v1/orgs/${slug}/members/${elsewhere.userId}`,
      asUser(admin.session, { body: { role: "operator" } }),
    );
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.role).toBe("operator");

    const listed = await call("GET", `/api/v1/orgs/${slug}/members`, asUser(admin.session));
    expect(listed.body.items).toHaveLength(3);

    const removed = await call(
      "DELETE",
      `/api/v1/orgs/${slug}/members/${created.body.user_id}`,
      asUser(admin.session),
    );
    expect(removed.status).toBe(204);
    // Takes effect on the next request of the removed user.
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}`, asUser(newcomer)),
      404,
      "NOT_FOUND",
    );
    expect(await orgActions(t.orgId)).toEqual([
      "member.added",
      "user.created",
      "member.added",
      "member.role_changed",
      "member.removed",
    ]);
  });

  it("never demotes or removes the last admin (409)", async () => {
    const t = await createTenant();
    const admin = await signedInUser(t.orgId, "admin");
    const slug = await orgSlugOf(t.orgId);
    expectEnvelope(
      await call(
        "PATCH",
        `/api/v1/orgs/${slug}/members/${admin.userId}`,
        asUser(admin.session, { body: { role: "reader" } }),
      ),
      409,
      "CONFLICT",
    );
    expectEnvelope(
      await call("DELETE", `/api/v1/orgs/${slug}/members/${admin.userId}`, asUser(admin.session)),
      409,
      "CONFLICT",
    );
    const second = await createUser(t.orgId, "admin");
    const demoted = await call(
      "PATCH",
      `/api/v1/orgs/${slug}/members/${second.userId}`,
      asUser(admin.session, { body: { role: "reader" } }),
    );
    expect(demoted.status).toBe(200);
    const role = await env.DB.prepare("SELECT role FROM memberships WHERE user_id = ?")
      .bind(admin.userId)
      .first<{ role: string }>();
    expect(role?.role).toBe("admin");
  });

  it("rejects bad input: all problems listed, unknown user 404, duplicates 409", async () => {
    const t = await createTenant();
    const admin = await signedInUser(t.orgId, "admin");
    const slug = await orgSlugOf(t.orgId);
    const err = expectEnvelope(
      await call(
        "POST",
        `/api/v1/orgs/${slug}/members`,
        asUser(admin.session, { body: { email: "x", role: "owner", password: "short" } }),
      ),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["email", "password", "role"]);
    expectEnvelope(
      await call(
        "POST",
        `/api/v1/orgs/${slug}/members`,
        asUser(admin.session, { body: { email: "ghost@example.com", role: "reader" } }),
      ),
      404,
      "NOT_FOUND",
    );
    const existing = await createUser(t.orgId, "reader");
    expectEnvelope(
      await call(
        "POST",
        `/api/v1/orgs/${slug}/members`,
        asUser(admin.session, { body: { email: existing.email, role: "reader" } }),
      ),
      409,
      "CONFLICT",
    );
    // An existing account's password is never set through this route.
    expectEnvelope(
      await call(
        "POST",
        `/api/v1/orgs/${slug}/members`,
        asUser(admin.session, {
          body: { email: existing.email, role: "reader", password: "attacker chosen pw" },
        }),
      ),
      409,
      "CONFLICT",
    );
    expect((await login(existing.email, existing.password)).csrf).toBeTruthy();
    expectEnvelope(
      await call(
        "PATCH",
        `/api/v1/orgs/${slug}/members/${crypto.randomUUID()}`,
        asUser(admin.session, { body: { role: "reader" } }),
      ),
      404,
      "NOT_FOUND",
    );
  });

  it("is admin-only, hides other orgs (404) and blocks escalation through keys", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const slug = await orgSlugOf(t.orgId);
    const operator = await signedInUser(t.orgId, "operator");
    expectEnvelope(
      await call("GET", `/api/v1/orgs/${slug}/members`, asUser(operator.session)),
      403,
      "FORBIDDEN",
    );
    expectEnvelope(
      await call("GET", `/api/v1/orgs/${slug}/members`, { key: other.adminKey }),
      404,
      "NOT_FOUND",
    );
    const projectKey = await createApiKey({
      orgId: t.orgId,
      scopes: ["api_keys:admin", "projects:read"],
      projectId: t.projectId,
    });
    expectEnvelope(
      await call("GET", `/api/v1/orgs/${slug}/members`, { key: projectKey }),
      404,
      "NOT_FOUND",
    );
    // A key with api_keys:admin but few scopes cannot mint an admin (or operator) person.
    const narrow = await createApiKey({
      orgId: t.orgId,
      scopes: ["api_keys:admin", "projects:read"],
    });
    const target = await createUser(t.orgId, "reader");
    expectEnvelope(
      await call("PATCH", `/api/v1/orgs/${slug}/members/${target.userId}`, {
        key: narrow,
        body: { role: "admin" },
      }),
      403,
      "FORBIDDEN",
    );
    expectEnvelope(
      await call("POST", "/api/v1/users", {
        key: narrow,
        body: {
          email: `e-${t.slug}@example.com`,
          name: "E",
          password: "long enough password",
          role: "operator",
        },
      }),
      403,
      "FORBIDDEN",
    );
    // The full admin key can.
    const ok = await call("POST", "/api/v1/users", {
      key: t.adminKey,
      body: {
        email: `f-${t.slug}@example.com`,
        name: "F",
        password: "long enough password",
        role: "operator",
      },
    });
    expect(ok.status, ok.text).toBe(201);
  });
});

describe("POST /users", () => {
  it("creates an account in the admin's org; 409 on a taken email; org required when ambiguous", async () => {
    const t = await createTenant();
    const second = await createTenant();
    const admin = await signedInUser(t.orgId, "admin");
    const email = `made-${t.slug}@example.com`;
    const body = { email, name: "Made", password: "long enough password", role: "reader" };
    const res = await call("POST", "/api/v1/users", asUser(admin.session, { body }));
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ email, role: "reader", org: await orgSlugOf(t.orgId) });
    expectEnvelope(
      await call("POST", "/api/v1/users", asUser(admin.session, { body })),
      409,
      "CONFLICT",
    );
    await env.DB.prepare(
      "INSERT INTO memberships (id, org_id, user_id, role, created_at) VALUES (?,?,?,?,?)",
    )
      .bind(crypto.randomUUID(), second.orgId, admin.userId, "admin", Date.now())
      .run();
    const ambiguous = expectEnvelope(
      await call(
        "POST",
        "/api/v1/users",
        asUser(admin.session, { body: { ...body, email: `x-${email}` } }),
      ),
      400,
      "BAD_REQUEST",
    );
    expect(ambiguous.details?.[0]?.path).toBe("org");
    const reader = await keyForRole(t.orgId, "reader");
    expectEnvelope(await call("POST", "/api/v1/users", { key: reader, body }), 403, "FORBIDDEN");
    expectEnvelope(
      await call("POST", "/api/v1/users", {
        key: t.adminKey,
        body: { ...body, email: `y-${email}`, org: await orgSlugOf(second.orgId) },
      }),
      404,
      "NOT_FOUND",
    );
    expect(await orgActions(t.orgId)).toEqual(["user.created"]);
  });
});

describe("org audit log", () => {
  it("lists and verifies the org chain (admins only); detects an edited entry", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const admin = await signedInUser(t.orgId, "admin");
    const slug = await orgSlugOf(t.orgId);
    const newcomer = await createUser(other.orgId, "reader");
    await call(
      "POST",
      `/api/v1/orgs/${slug}/members`,
      asUser(admin.session, { body: { email: newcomer.email, role: "reader" } }),
    );
    await call("POST", "/api/v1/api-keys", {
      key: t.adminKey,
      body: { name: "org key", scopes: ["projects:read"] },
    });
    const listed = await call("GET", `/api/v1/orgs/${slug}/audit-logs`, asUser(admin.session));
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items.map((e: { action: string }) => e.action)).toEqual([
      "api_key.created",
      "member.added",
    ]);
    const filtered = await call("GET", `/api/v1/orgs/${slug}/audit-logs?action=member.added`, {
      key: t.adminKey,
    });
    expect(filtered.body.items).toHaveLength(1);
    const path = `/api/v1/orgs/${slug}/audit-logs/verify`;
    expect((await call("GET", path, { key: t.adminKey })).body).toMatchObject({
      valid: true,
      checked: 2,
      head_seq: 2,
    });
    await env.DB.prepare("UPDATE audit_logs SET diff = '{}' WHERE chain = ? AND seq = 1")
      .bind(`org:${t.orgId}`)
      .run();
    expect((await call("GET", path, { key: t.adminKey })).body).toMatchObject({
      valid: false,
      first_invalid_seq: 1,
    });
    const reader = await keyForRole(t.orgId, "reader");
    expectEnvelope(await call("GET", path, { key: reader }), 403, "FORBIDDEN");
    expectEnvelope(await call("GET", path, { key: other.adminKey }), 404, "NOT_FOUND");
  });
});
