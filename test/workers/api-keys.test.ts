import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/crypto";
import { SCOPES } from "../../src/auth/scopes";
import {
  call,
  createApiKey,
  createProject,
  createTenant,
  expectEnvelope,
  keyForRole,
} from "./harness";
import { asUser, signedInUser } from "./sessions";

const keyRow = (id: string) =>
  env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(id).first<{
    key_hash: string;
    scopes: string;
    project_id: string | null;
    revoked_at: number | null;
    expires_at: number | null;
  }>();

describe("api keys: happy path", () => {
  it("creates a key shown once, stored hashed, that works with exactly its scopes; audited without the key", async () => {
    const t = await createTenant();
    const res = await call("POST", "/api/v1/api-keys", {
      key: t.adminKey,
      body: {
        name: "ci",
        scopes: ["projects:read", "audit:read"],
        project: t.slug,
        expires_in_s: 3600,
      },
    });
    expect(res.status, res.text).toBe(201);
    const key = res.body.key as string;
    expect(key).toMatch(/^zcp_[A-Za-z0-9_-]{43}$/);
    expect(res.body).toMatchObject({
      name: "ci",
      prefix: key.slice(0, 12),
      scopes: ["projects:read", "audit:read"],
      project: t.slug,
      org_id: t.orgId,
    });
    expect(Date.parse(res.body.expires_at) - Date.now()).toBeGreaterThan(3500_000);
    const row = await keyRow(res.body.id);
    expect(row?.key_hash).toBe(await sha256Hex(key));
    expect((await call("GET", `/api/v1/projects/${t.slug}`, { key })).status).toBe(200);
    expectEnvelope(
      await call("POST", "/api/v1/projects", { key, body: { name: "n", slug: `n-${t.slug}` } }),
      403,
      "FORBIDDEN",
    );
    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=api_key.created`,
      { key },
    );
    expect(audit.body.items).toHaveLength(1);
    expect(audit.text).not.toContain(key);
    expect(audit.text).not.toContain(row?.key_hash);
  });

  it("lists keys without secrets and revokes one (immediately effective, audited, idempotent)", async () => {
    const t = await createTenant();
    const made = await call("POST", "/api/v1/api-keys", {
      key: t.adminKey,
      body: { name: "temp", scopes: ["projects:read"] },
    });
    const listed = await call("GET", "/api/v1/api-keys", { key: t.adminKey });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((k: { id: string }) => k.id)).toContain(made.body.id);
    expect(listed.text).not.toContain(made.body.key);
    expect(listed.text).not.toContain(await sha256Hex(made.body.key));
    expect(listed.body.items[0]).not.toHaveProperty("key_hash");

    expect(
      (await call("DELETE", `/api/v1/api-keys/${made.body.id}`, { key: t.adminKey })).status,
    ).toBe(204);
    expect((await keyRow(made.body.id))?.revoked_at).not.toBeNull();
    expectEnvelope(
      await call("GET", "/api/v1/projects", { key: made.body.key }),
      401,
      "UNAUTHORIZED",
    );
    expect(
      (await call("DELETE", `/api/v1/api-keys/${made.body.id}`, { key: t.adminKey })).status,
    ).toBe(204);
    const actions = await env.DB.prepare(
      "SELECT action FROM audit_logs WHERE chain = ? ORDER BY seq",
    )
      .bind(`org:${t.orgId}`)
      .all<{ action: string }>();
    expect(actions.results.map((r) => r.action)).toEqual(["api_key.created", "api_key.revoked"]);
  });

  it("lets an admin user manage keys by session", async () => {
    const t = await createTenant();
    const admin = await signedInUser(t.orgId, "admin");
    const res = await call(
      "POST",
      "/api/v1/api-keys",
      asUser(admin.session, { body: { name: "u", scopes: [...SCOPES] } }),
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body.created_by).toEqual({ type: "user", id: admin.userId });
    const listed = await call("GET", "/api/v1/api-keys", asUser(admin.session));
    expect(listed.body.items.map((k: { id: string }) => k.id)).toContain(res.body.id);
  });
});

describe("api keys: errors", () => {
  it("lists unknown scopes and an empty list as 400 (never full access), creating nothing", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await call("POST", "/api/v1/api-keys", {
        key: t.adminKey,
        body: { name: "x", scopes: ["projects:read", "services:write", "everything"] },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["scopes.1", "scopes.2"]);
    const empty = expectEnvelope(
      await call("POST", "/api/v1/api-keys", { key: t.adminKey, body: { name: "", scopes: [] } }),
      400,
      "BAD_REQUEST",
    );
    expect(empty.details?.map((d) => d.path).sort()).toEqual(["name", "scopes"]);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE org_id = ?")
      .bind(t.orgId)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("404s an unknown project or key id and 400s a malformed id", async () => {
    const t = await createTenant();
    expectEnvelope(
      await call("POST", "/api/v1/api-keys", {
        key: t.adminKey,
        body: { name: "x", scopes: ["projects:read"], project: "nope" },
      }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(
      await call("DELETE", `/api/v1/api-keys/${crypto.randomUUID()}`, { key: t.adminKey }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(
      await call("DELETE", "/api/v1/api-keys/not-a-uuid", { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
  });
});

describe("api keys: no escalation", () => {
  it("refuses scopes beyond the caller's own, naming each", async () => {
    const t = await createTenant();
    const limited = await createApiKey({
      orgId: t.orgId,
      scopes: ["api_keys:admin", "projects:read"],
    });
    const err = expectEnvelope(
      await call("POST", "/api/v1/api-keys", {
        key: limited,
        body: { name: "up", scopes: ["projects:read", "projects:write", "rollouts:write"] },
      }),
      403,
      "FORBIDDEN",
    );
    expect(err.details?.map((d) => d.message)).toEqual([
      "you do not hold 'projects:write'",
      "you do not hold 'rollouts:write'",
    ]);
    const ok = await call("POST", "/api/v1/api-keys", {
      key: limited,
      body: { name: "same", scopes: ["projects:read"] },
    });
    expect(ok.status, ok.text).toBe(201);
  });

  it("keeps a project-limited caller inside its project", async () => {
    const t = await createTenant();
    const other = await createProject(t.orgId);
    const scoped = await createApiKey({
      orgId: t.orgId,
      scopes: ["api_keys:admin", "projects:read"],
      projectId: t.projectId,
    });
    expectEnvelope(
      await call("POST", "/api/v1/api-keys", {
        key: scoped,
        body: { name: "org-wide", scopes: ["projects:read"] },
      }),
      403,
      "FORBIDDEN",
    );
    expectEnvelope(
      await call("POST", "/api/v1/api-keys", {
        key: scoped,
        body: { name: "x", scopes: ["projects:read"], project: other.slug },
      }),
      404,
      "NOT_FOUND",
    );
    const ok = await call("POST", "/api/v1/api-keys", {
      key: scoped,
      body: { name: "mine", scopes: ["projects:read"], project: t.slug },
    });
    expect(ok.status, ok.text).toBe(201);
    expect((await keyRow(ok.body.id))?.project_id).toBe(t.projectId);
    // It lists only its project's keys, and cannot revoke org-wide keys.
    const listed = await call("GET", "/api/v1/api-keys", { key: scoped });
    expect(listed.body.items.every((k: { project: string }) => k.project === t.slug)).toBe(true);
    const orgKeyId = (
      await env.DB.prepare(
        "SELECT id FROM api_keys WHERE org_id = ? AND project_id IS NULL LIMIT 1",
      )
        .bind(t.orgId)
        .first<{ id: string }>()
    )?.id;
    expectEnvelope(
      await call("DELETE", `/api/v1/api-keys/${orgKeyId}`, { key: scoped }),
      404,
      "NOT_FOUND",
    );
  });

  it("does not let a key outlive its creator, nor revoke a more powerful key", async () => {
    const t = await createTenant();
    const expiresAt = Date.now() + 3600_000;
    const expiring = await createApiKey({
      orgId: t.orgId,
      scopes: ["api_keys:admin", "projects:read"],
      expiresAt,
    });
    expectEnvelope(
      await call("POST", "/api/v1/api-keys", {
        key: expiring,
        body: { name: "long", scopes: ["projects:read"], expires_in_s: 7200 },
      }),
      403,
      "FORBIDDEN",
    );
    const inherited = await call("POST", "/api/v1/api-keys", {
      key: expiring,
      body: { name: "d", scopes: ["projects:read"] },
    });
    expect(inherited.status, inherited.text).toBe(201);
    expect((await keyRow(inherited.body.id))?.expires_at).toBe(expiresAt);
    const adminId = (
      await env.DB.prepare(
        "SELECT id FROM api_keys WHERE org_id = ? AND scopes LIKE '%rollouts:write%'",
      )
        .bind(t.orgId)
        .first<{ id: string }>()
    )?.id;
    expectEnvelope(
      await call("DELETE", `/api/v1/api-keys/${adminId}`, { key: expiring }),
      403,
      "FORBIDDEN",
    );
  });

  it("needs api_keys:admin (403), hides other orgs' keys (404) and is 401 without credentials", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const operator = await keyForRole(t.orgId, "operator");
    expectEnvelope(await call("GET", "/api/v1/api-keys", { key: operator }), 403, "FORBIDDEN");
    expectEnvelope(
      await call("POST", "/api/v1/api-keys", {
        key: operator,
        body: { name: "x", scopes: ["nodes:read"] },
      }),
      403,
      "FORBIDDEN",
    );
    const operatorUser = await signedInUser(t.orgId, "operator");
    expectEnvelope(
      await call("GET", "/api/v1/api-keys", asUser(operatorUser.session)),
      403,
      "FORBIDDEN",
    );
    const made = await call("POST", "/api/v1/api-keys", {
      key: t.adminKey,
      body: { name: "x", scopes: ["nodes:read"] },
    });
    expectEnvelope(
      await call("DELETE", `/api/v1/api-keys/${made.body.id}`, { key: other.adminKey }),
      404,
      "NOT_FOUND",
    );
    const theirs = await call("GET", "/api/v1/api-keys", { key: other.adminKey });
    expect(theirs.body.items.map((k: { id: string }) => k.id)).not.toContain(made.body.id);
    expectEnvelope(
      await call("POST", "/api/v1/api-keys", {
        key: other.adminKey,
        body: { name: "x", scopes: ["nodes:read"], project: t.slug },
      }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(await call("GET", "/api/v1/api-keys"), 401, "UNAUTHORIZED");
  });
});
